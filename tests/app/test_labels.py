"""The app's labels are keyed by the engine's names: a method, kind,
direction or hint added to the engine needs its label here."""

from __future__ import annotations

import numpy as np
import pytest

import latent_core
from latent_core.errors import HINTS, InvalidInputError
from latent_core.models import KINDS, REGISTRY
from latent_core.projection import METHODS
from latent_core.traversal import DIRECTION_KINDS
from ui import messages, projections, state, traversal


def test_labels_cover_exactly_the_engines_names_in_order():
    assert tuple(state.METHOD_LABELS) == METHODS
    assert tuple(projections.AXIS_NAMES) == METHODS
    assert tuple(traversal.DIRECTION_LABELS) == DIRECTION_KINDS
    assert tuple(REGISTRY) == KINDS
    assert set(messages.HINT_WORDS) == set(HINTS)


def test_a_hint_becomes_the_apps_words_and_the_engine_names_no_page(tmp_path):
    vectors = tmp_path / "vectors.npy"
    np.save(vectors, np.zeros((20, 5), np.float32))
    with pytest.raises(InvalidInputError) as info:
        latent_core.load_dataset(vectors)
    caught = info.value
    assert caught.hint == "embeddings" and "page" not in str(caught)
    shown = messages.explain(caught)
    assert shown.startswith(str(caught)) and "choose 'Embeddings (vectors)'" in shown
    assert messages.explain(InvalidInputError("Plain.")) == "Plain."


def test_an_unknown_hint_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown hint"):
        InvalidInputError("x", hint="the-data-page")
