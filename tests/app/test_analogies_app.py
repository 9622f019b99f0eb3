"""Traverse page, analogies (AppTest): a − b + c of three dataset images or three class means, decoded."""

from __future__ import annotations

import numpy as np

from latent_core.analogy import analogy
from tests.app.app_workspace import app, texts
from ui import analogies


def traverse_page():
    at = app()
    at.switch_page("pages/traverse.py").run()
    assert not at.exception, texts(at.exception)
    return at


def analogy_images(at):
    """The image row under 'Analogies': its captions and image URLs."""
    (row,) = [e for e in at.image if e.proto.imgs and e.proto.imgs[-1].caption == "a − b + c"]
    return [i.caption for i in row.proto.imgs], [i.url for i in row.proto.imgs]


def test_three_dataset_images_and_their_analogy_are_decoded():
    at = traverse_page()
    assert "Analogies: a − b + c" in texts(at.subheader)
    captions, urls = analogy_images(at)
    assert captions[:3] == [f"{r}: image {i} ({i}) (decoded)" for r, i in zip("abc", (0, 1, 2), strict=True)]
    at.number_input(key="analogy_index_b").set_value(5).run()
    assert not at.exception, texts(at.exception)
    changed_captions, changed = analogy_images(at)
    assert changed_captions[1] == "b: image 5 (5) (decoded)"
    assert changed[0] == urls[0] and changed[1] != urls[1] and changed[3] != urls[3]


def test_class_means_make_the_analogy_of_three_classes():
    at = traverse_page()
    at.segmented_control(key="analogy_source").set_value("classes").run()
    assert not at.exception, texts(at.exception)
    at.selectbox(key="analogy_class_c").select(7).run()
    captions, _ = analogy_images(at)
    assert captions[:3] == ["a: mean of 0 (decoded)", "b: mean of 1 (decoded)", "c: mean of 7 (decoded)"]
    ws = at.session_state["workspace"]
    means = analogies.class_means(ws)
    labels = ws.dataset.labels[ws.mapped()]
    np.testing.assert_allclose(means[7], ws.codes()[labels == 7].mean(axis=0), rtol=1e-6)
    result = analogy(ws.model, means[0], means[1], means[7])
    np.testing.assert_allclose(result.code, means[0] - means[1] + means[7], rtol=1e-5, atol=1e-6)


def test_the_analogy_is_marked_on_the_maps_2d_map():
    from tests.app.app_workspace import map_payload
    from ui import projections

    at = traverse_page()
    ws = at.session_state["workspace"]
    result = analogy(ws.model, *ws.dataset.images[[0, 1, 2]])
    np.testing.assert_allclose(ws.analogy_codes, np.vstack([result.inputs, result.code[None]]), atol=1e-5)
    at.switch_page("pages/map.py").run()
    assert not at.exception, texts(at.exception)
    marks = map_payload(at)["overlay"]["analogy"]
    placed = projections.cached(ws.codes(), ws.method, ws.dims).transform(ws.analogy_codes)
    np.testing.assert_allclose(marks["x"], placed[:, 0], atol=1e-4)
    assert marks["text"] == ["a", "b", "c", "a − b + c"]
