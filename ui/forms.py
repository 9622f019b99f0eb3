"""Form widgets made from a config dataclass's fields (latent_core.fields): a new field is a new widget.

Each field gets the widget its Spec asks for: a radio for choices, a slider for presets, a
number box within the field's range otherwise; advanced fields go into a folded expander.
Fields that apply to some model kinds only (Spec.kinds) are left out for the other kinds.
Widget keys are '<prefix><field name>', so tests and pages can find them.
"""

from __future__ import annotations

import streamlit as st

from latent_core.fields import Field, config_fields


def widget(f: Field, default, key: str, labels: dict | None, container):
    """One field's widget in `container`, starting at `default`; returns its value."""
    spec = f.spec
    help_text = f.help
    if spec.choices:
        names = labels or {}
        return container.radio(
            spec.label,
            list(spec.choices),
            index=list(spec.choices).index(default),
            key=key,
            horizontal=True,
            format_func=lambda value: names.get(value, str(value)),
            help=help_text,
        )
    if spec.presets:
        values = sorted(set(spec.presets) | {default})
        return container.select_slider(
            spec.label, values, value=default, key=key, help=help_text, format_func=lambda value: f"{value:g}"
        )
    low = None if spec.low is None else f.type(spec.low)
    high = None if spec.high is None else f.type(spec.high)
    if f.type is float:
        step = 0.5 if high is not None and high > 10 else 0.05
        return container.number_input(
            spec.label,
            low if low is not None else 0.0,
            high,
            default,
            step=step,
            format="%.2f",
            key=key,
            help=help_text,
        )
    return container.number_input(
        spec.label,
        low,
        high,
        default,
        step=1,
        key=key,
        help=help_text,
        placeholder="default" if spec.optional else None,
    )


def shown(cls, kind: str | None = None, exclude: tuple[str, ...] = ()) -> list[Field]:
    """The fields of `cls` a form shows: those not in `exclude` that apply to model kind `kind` (None: all)."""
    return [
        f
        for f in config_fields(cls)
        if f.name not in exclude and (kind is None or not f.spec.kinds or kind in f.spec.kinds)
    ]


def config_form(
    cls,
    defaults,
    prefix: str,
    labels: dict[str, dict] | None = None,
    columns: int = 2,
    kind: str | None = None,
    exclude: tuple[str, ...] = (),
) -> dict:
    """Widgets for the fields of config class `cls` (see `shown`: those that apply to model kind `kind`, less
    `exclude`), starting at the values of the instance `defaults`.

    Plain fields fill `columns` columns in declaration order; advanced ones go into an
    'Advanced settings' expander. labels: field name -> {value: text} for choice fields.
    Returns field name -> value for the fields shown; the others keep their defaults in cls(**values).
    """
    fields = shown(cls, kind, exclude)
    plain = [f for f in fields if not f.spec.advanced]
    advanced = [f for f in fields if f.spec.advanced]
    cells = st.columns(columns)
    values = {}
    for i, f in enumerate(plain):
        values[f.name] = widget(
            f, getattr(defaults, f.name), prefix + f.name, (labels or {}).get(f.name), cells[i * columns // len(plain)]
        )
    if advanced:
        with st.expander("Advanced settings"):
            for f in advanced:
                values[f.name] = widget(f, getattr(defaults, f.name), prefix + f.name, (labels or {}).get(f.name), st)
    return values
