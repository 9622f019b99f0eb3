"""One source of truth per config:
every TrainConfig and ProjectionConfig field reaches the API, the CLI and the checks."""

from __future__ import annotations

import argparse
from dataclasses import replace

import pytest

import latent_core
from latent_core import InvalidInputError, TrainConfig
from latent_core.cli import build_parser
from latent_core.cli.flags import add_config_flags, config_from_args
from latent_core.fields import config_fields
from latent_core.projection import ProjectionConfig


def other_value(f):
    """A valid value of field f that differs from its default."""
    spec = f.spec
    if spec.choices:
        return next(c for c in spec.choices if c != f.default)
    if spec.presets:
        return next(p for p in spec.presets if p != f.default)
    if f.default is None:
        return f.type(spec.low)
    if spec.above_zero:
        return f.default * 2
    candidate = f.type(spec.high) if f.default != spec.high else f.type(spec.low)
    return candidate


def bad_value(f):
    """A value of field f that validation must refuse."""
    if f.spec.choices:
        return "nonsense" if f.type is str else 99
    if f.spec.above_zero:
        return 0.0
    return f.type(f.spec.high) + 1


def flag_text(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


@pytest.mark.parametrize("f", config_fields(TrainConfig), ids=lambda f: f.name)
def test_every_training_field_is_a_cli_flag_that_reaches_the_config(f):
    parser = build_parser()
    value = other_value(f)
    args = parser.parse_args(["train", "--dataset", "digits", "--out", "m", f.flag, flag_text(value)])
    assert getattr(config_from_args(TrainConfig, args), f.name) == value
    defaults = config_from_args(TrainConfig, parser.parse_args(["train", "--dataset", "digits", "--out", "m"]))
    assert defaults == TrainConfig()


@pytest.mark.parametrize("f", config_fields(TrainConfig), ids=lambda f: f.name)
def test_every_training_field_is_checked_in_one_place(f):
    assert replace(TrainConfig(), **{f.name: other_value(f)}).validate()
    with pytest.raises(InvalidInputError, match=f.name if not f.spec.unknown else f.spec.unknown):
        replace(TrainConfig(), **{f.name: bad_value(f)}).validate()


@pytest.mark.parametrize("f", config_fields(ProjectionConfig), ids=lambda f: f.name)
def test_every_projection_field_is_a_cli_flag_and_checked(f):
    value = other_value(f)
    args = build_parser().parse_args(
        ["project", "--model", "digits", "--dataset", "digits", "--out", "m.csv", f.flag, flag_text(value)]
    )
    assert getattr(config_from_args(ProjectionConfig, args), f.name) == value
    with pytest.raises(InvalidInputError):
        replace(ProjectionConfig(), **{f.name: bad_value(f)}).validate()


def test_a_new_field_becomes_a_flag_without_touching_the_cli():
    from dataclasses import dataclass

    from latent_core.fields import setting

    @dataclass(frozen=True)
    class Extended(TrainConfig):
        dropout: float = setting(0.0, "Dropout", "Share of units dropped.", low=0, high=0.9)

    parser = argparse.ArgumentParser()
    add_config_flags(parser, Extended)
    config = config_from_args(Extended, parser.parse_args(["--dropout", "0.5", "--latent-dim", "3"]))
    assert (config.dropout, config.latent_dim) == (0.5, 3)
    with pytest.raises(InvalidInputError, match=r"dropout=0.95 is invalid; it must be between 0 and 0.9"):
        replace(config, dropout=0.95).validate()


def test_the_cli_refuses_a_bad_setting_with_the_configs_words(capsys):
    from latent_core.cli import main

    assert main(["train", "--dataset", "digits", "--out", "m", "--latent-dim", "600"]) == 2
    assert (
        "Training setting latent_dim=600 is invalid; it must be a whole number from 1 to 512."
        in capsys.readouterr().err
    )
    assert main(["project", "--model", "digits", "--dataset", "digits", "--out", "m.csv", "--perplexity", "0.5"]) == 2
    assert "Projection setting perplexity=0.5 is invalid; it must be between 1 and 100." in capsys.readouterr().err


def test_config_objects_and_keyword_shortcuts_train_the_same_model(digits):
    small = digits.subset(range(200))
    config = TrainConfig(latent_dim=3, epochs=1, batch_size=50, hidden=16, base_channels=8)
    by_config = latent_core.train_model(small, config)
    by_keywords = latent_core.train_model(small, latent_dim=3, epochs=1, batch_size=50, hidden=16, base_channels=8)
    overridden = latent_core.train_model(small, replace(config, epochs=5), epochs=1)
    assert (
        by_config.history[0]["train_loss"]
        == by_keywords.history[0]["train_loss"]
        == overridden.history[0]["train_loss"]
    )
    assert by_config.config["training"] == by_keywords.config["training"]


def test_projection_config_objects_and_keyword_shortcuts_agree(rng):
    codes = rng.normal(size=(80, 5))
    by_config = latent_core.fit_projection(codes, ProjectionConfig(method="pca", dims=3))
    by_keywords = latent_core.fit_projection(codes, method="pca", dims=3)
    assert by_config.config == by_keywords.config and (by_config.embedding == by_keywords.embedding).all()
