"""Config fields that describe themselves: range, choices, label and help in one place.

A config dataclass (TrainConfig, ProjectionConfig) declares each field with `setting(...)`.
From that one declaration come its validation (`validate`), the CLI flags
(latent_core.cli.flags) and the app's form widgets (ui/forms.py), so a new field appears
everywhere at once.
"""

from __future__ import annotations

import math
import typing
from dataclasses import MISSING, dataclass, field, fields

import numpy as np

from .errors import InvalidInputError


@dataclass(frozen=True)
class Spec:
    """How one config field is shown and checked.

    low/high: inclusive bounds of a number; above_zero: a number > 0 (no upper bound);
    choices: the allowed values (a tuple defined once in the engine); presets: values a form
    offers on a slider (any value in range is still valid); optional: None is allowed (it means
    "pick a default"); advanced: shown folded away in forms; kinds: the model kinds the field
    applies to (empty: all); unknown: the noun of an unknown choice ("Model kind").
    """

    label: str
    help: str
    low: float | None = None
    high: float | None = None
    above_zero: bool = False
    choices: tuple = ()
    presets: tuple = ()
    optional: bool = False
    advanced: bool = False
    kinds: tuple[str, ...] = ()
    unknown: str = ""


def setting(default, label: str, help: str, **spec) -> typing.Any:
    """A dataclass field whose metadata holds its Spec."""
    return field(default=default, metadata={"spec": Spec(label, help, **spec)})


@dataclass(frozen=True)
class Field:
    """One field of a config class, resolved: name, Python type (int, float, str, bool), default and Spec."""

    name: str
    type: type
    default: typing.Any
    spec: Spec

    @property
    def help(self) -> str:
        """The field's help, and the model kinds it applies to when not all: '... (VAE only)'."""
        kinds = f" ({', '.join(k.upper() for k in self.spec.kinds)} only)" if self.spec.kinds else ""
        return self.spec.help + kinds

    @property
    def flag(self) -> str:
        """The CLI flag: '--latent-dim' for latent_dim."""
        return "--" + self.name.replace("_", "-")

    def expected(self) -> str:
        """What a valid value is, in words: 'a whole number from 1 to 512', 'between 0 and 1000'."""
        s = self.spec
        if s.choices:
            text = " or ".join(", ".join(map(str, s.choices)).rsplit(", ", 1))
        elif s.above_zero:
            text = "a positive number"
        elif self.type is int:
            text = f"a whole number from {int(s.low):,} to {int(s.high):,}"
        else:
            text = f"between {s.low:g} and {s.high:g}"
        return f"None or {text}" if s.optional else text

    def is_valid(self, value) -> bool:
        s = self.spec
        if value is None:
            return s.optional
        if s.choices:
            return value in s.choices
        if self.type is int:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                return False
        elif self.type is float:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float, np.integer, np.floating))
                or not math.isfinite(value)
            ):
                return False
        if s.above_zero:
            return value > 0
        return (s.low is None or value >= s.low) and (s.high is None or value <= s.high)


def config_fields(cls) -> list[Field]:
    """The fields of a config dataclass declared with `setting`, in declaration order."""
    hints = typing.get_type_hints(cls)
    found = []
    for f in fields(cls):
        if "spec" not in f.metadata:
            continue
        kind = hints[f.name]
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        found.append(
            Field(f.name, args[0] if args else kind, None if f.default is MISSING else f.default, f.metadata["spec"])
        )
    return found


def validate(config, what: str):
    """Check every field of `config` against its Spec;
    raise InvalidInputError naming the first bad one. Returns config."""
    for f in config_fields(type(config)):
        value = getattr(config, f.name)
        if f.is_valid(value):
            continue
        if f.spec.unknown:
            raise InvalidInputError(
                f"{f.spec.unknown} {value!r} is unknown; choose one of {', '.join(map(str, f.spec.choices))}."
            )
        verdict = "is not supported" if f.spec.choices else "is invalid"
        raise InvalidInputError(f"{what} {f.name}={value!r} {verdict}; it must be {f.expected()}.")
    return config
