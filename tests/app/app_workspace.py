"""Helpers for the app tests: a Workspace built directly (no browser, no script run) and an AppTest."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

import latent_core
from tests.paths import APP
from ui import state, workspaces
from ui.catalog import Option


def workspace_for(
    dataset: latent_core.ImageDataset, model: latent_core.LatentModel, folder: Path, key: str = "test-model"
) -> state.Workspace:
    """A Workspace of a new workspace in the library, holding `dataset` with `model` saved in `folder` and made
    active."""
    ws = state.Workspace(dataset_key="digits", dataset=dataset, token=workspaces.library().create_workspace())
    model.save(folder / key)
    ws.saved_models[key] = Option(key, f"{key} (test)", str(folder / key))
    assert state.select_model(ws, key), ws.messages
    return ws


def app(timeout: float = 60, **params: str) -> AppTest:
    """The whole app, run once on its default page (the Map); `params` are the URL's query parameters (w=token...)."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params.update(params)
    return at.run()


def texts(elements) -> list[str]:
    return [str(e.value) for e in elements]


def map_payload(at: AppTest) -> dict:
    """The data the latent map component received in the last run."""
    maps = [
        e
        for e in at.get("bidi_component")
        if e.proto.component_name == "latent_explorer.latent_map"
        and "preload" not in e.proto.json
        and "density_for" not in e.proto.json
    ]
    assert len(maps) == 1, f"expected one map, found {len(maps)}"
    return json.loads(maps[0].proto.json)


def density_layer(at: AppTest) -> dict | None:
    """The density layer the map's layer element (ui.map_component.density_layer) sent in the last run, or None."""
    layers = [
        json.loads(e.proto.json)
        for e in at.get("bidi_component")
        if e.proto.component_name == "latent_explorer.latent_map" and "density_for" in e.proto.json
    ]
    assert len(layers) <= 1, f"expected at most one density layer element, found {len(layers)}"
    return layers[0]["density"] if layers else None


def choice(at: AppTest, name: str):
    """The select box of a workspace choice (ui.choices.choice_box: "model_choice", "dataset_choice"), whose widget
    key is `name:` + the choice it shows."""
    boxes = [box for box in at.selectbox if (box.key or "").startswith(name + ":")]
    assert len(boxes) == 1, f"expected one {name} select box, found {[box.key for box in at.selectbox]}"
    return boxes[0]
