"""CLI flags made from a config dataclass's fields (see latent_core.fields), so a new field is a new flag."""

from __future__ import annotations

import argparse

from ..fields import Field, config_fields


def help_text(f: Field) -> str:
    """The field's help, the model kinds it applies to, its default and what it may be."""
    default = (
        "chosen for the data" if f.default is None else f"{f.default:g}" if isinstance(f.default, float) else f.default
    )
    return f"{f.help} Default: {default}; {f.expected()}."


def add_config_flags(parser: argparse.ArgumentParser, cls, skip: tuple[str, ...] = ()) -> None:
    """One flag per field of `cls` (--latent-dim for latent_dim), typed and defaulted from the field.

    Ranges are not checked here: the config's own `validate` does that, with the same words
    as in Python and in the app.
    """
    for f in config_fields(cls):
        if f.name in skip:
            continue
        options = {"type": f.type, "default": f.default, "help": help_text(f).replace("%", "%%"), "dest": f.name}
        if f.spec.choices:  # shown, not enforced by argparse, so a wrong value gets the config's own sentence
            options["metavar"] = "{" + ",".join(map(str, f.spec.choices)) + "}"
        parser.add_argument(f.flag, **options)


def config_from_args(cls, args: argparse.Namespace, **fixed):
    """An instance of `cls` from the parsed flags added by add_config_flags, plus `fixed` values for skipped fields."""
    values = {f.name: getattr(args, f.name) for f in config_fields(cls) if f.name not in fixed}
    return cls(**values, **fixed)
