"""The Map page's projection settings: they reach the fit, key the map by content, and leave PCA alone."""

from __future__ import annotations

import numpy as np
import pytest

from latent_core import ProjectionConfig, fit_projection
from latent_core.projection.config import METRICS
from tests.app.app_workspace import app, map_payload, texts
from ui import projections


def test_settings_a_method_does_not_use_or_at_their_defaults_keep_the_maps_key():
    codes = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
    plain = projections.projection_key(codes, "umap", 2)
    assert projections.projection_key(codes, "umap", 2, {"perplexity": 10.0, "neighbors": 15}) == plain
    assert projections.projection_key(codes, "umap", 2, {"neighbors": 5}) != plain
    assert projections.used("tsne", {"perplexity": 10.0, "neighbors": 5, "metric": "cosine"}) == {
        "perplexity": 10.0,
        "metric": "cosine",
    }
    assert projections.used("pca", {"perplexity": 10.0, "metric": "cosine"}) == {}


def test_the_metric_reaches_the_fit():
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(80, 5)) * rng.uniform(0.2, 5.0, size=(80, 1))  # lengths that cosine ignores
    cosine = fit_projection(codes, method="umap", metric="cosine", epochs=30)
    euclidean = fit_projection(codes, method="umap", epochs=30)
    assert cosine.estimator.metric == "cosine" and euclidean.estimator.metric == "euclidean"
    assert not np.allclose(cosine.embedding, euclidean.embedding, atol=1e-2)
    tsne = [fit_projection(codes, method="tsne", metric=m, perplexity=10, epochs=50).embedding for m in METRICS]
    assert not np.allclose(tsne[0], tsne[1], atol=1e-2)
    assert ProjectionConfig(method="umap", metric="cosine").to_dict()["metric"] == "cosine"
    assert "metric" not in ProjectionConfig(method="pca", metric="cosine").to_dict()


@pytest.mark.slow
def test_the_popover_fits_a_new_map_with_the_chosen_setting_and_defaults_bring_the_old_one_back():
    at = app()
    ws = at.session_state["workspace"]
    at.segmented_control(key="map_method").set_value("tsne").run()
    first = projections.project(ws.codes(), "tsne", 2)
    at.run()
    assert map_payload(at)["view"] == projections.projection_key(ws.codes(), "tsne", 2)
    at.slider(key="proj_perplexity").set_value(10.0).run()
    assert ws.map_settings == {"perplexity": 10.0}
    second = projections.project(ws.codes(), "tsne", 2, {"perplexity": 10.0})
    assert second.config.perplexity == 10.0 and not np.allclose(second.embedding, first.embedding)
    at.run()
    assert not at.exception, texts(at.exception)
    assert map_payload(at)["view"] == projections.projection_key(ws.codes(), "tsne", 2, {"perplexity": 10.0})
    at.button(key="proj_defaults").click().run()
    assert ws.map_settings == {} and map_payload(at)["view"] == projections.projection_key(ws.codes(), "tsne", 2)
