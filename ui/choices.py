"""Select boxes that show a workspace choice the app also changes itself: the active model (a training's model is
made active when it ends) and the active dataset (an upload becomes active)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st


def choice_box(
    container,
    label: str,
    keys: Sequence[str],
    current: str | None,
    *,
    name: str,
    on_choose: Callable[[str], None],
    **kwargs,
) -> None:
    """A select box of `keys` showing the app's choice `current` (nothing when it is not one of them) that calls
    on_choose(key) when the user picks another; then it shows whatever the app's choice has become (a pick that
    waits for a download, or that the app refused, is not left showing).

    A rerun the browser sends before it has drawn the app's new choice (a page switch just after a training ended)
    carries the box's old value, and Streamlit runs the box's callback for it as if the user had picked it: the old
    model became active again (seen in Chromium: a GAN trained, then the Map page showed the shipped digits model).
    So the widget key names the choice it shows and counts the picks (`name:current:picks`): when the app changes
    the choice, or after a pick, the box is a new widget, and a callback of any box but the one drawn last is
    ignored."""
    picks, shown = f"{name}#picks", f"{name}#shown"
    key = f"{name}:{current}:{st.session_state.get(picks, 0)}"
    st.session_state[shown] = key

    def chosen() -> None:
        if st.session_state.get(shown) != key:
            return  # a box the browser had not yet replaced: its value is not the user's pick
        st.session_state[picks] = st.session_state.get(picks, 0) + 1
        if st.session_state[key] is not None:
            on_choose(st.session_state[key])

    index = list(keys).index(current) if current in keys else None
    container.selectbox(label, list(keys), index=index, key=key, on_change=chosen, **kwargs)
