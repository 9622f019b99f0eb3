"""Uploads (AppTest, through st.file_uploader): datasets,
embeddings and checkpoints become active; bad files are refused in words."""

from __future__ import annotations

import gc
import io
import pickle
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import latent_core
from tests.app.app_workspace import app, choice, map_payload, texts
from ui import map_events, projections, workspaces
from ui.session_files import SessionFiles

OCTETS = "application/octet-stream"


@pytest.fixture(autouse=True)
def uploads_root(monkeypatch, tmp_path) -> Path:
    """Every upload of these tests lands under tmp_path/uploads, so the tests can see where files go."""
    root = tmp_path / "uploads"
    monkeypatch.setenv("LATENT_EXPLORER_UPLOADS", str(root))
    return root


def npz_bytes(n: int = 40, side: int = 16) -> bytes:
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    np.savez(buffer, images=rng.integers(0, 256, (n, side, side), dtype=np.uint8), labels=np.arange(n) % 4)
    return buffer.getvalue()


def png_bytes(side: int, value: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((side, side), value, dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def huge_npy() -> bytes:
    """A valid .npy header declaring a terabyte of images, followed by 64 bytes."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "|u1", "fortran_order": False, "shape": (10**6, 1000, 1000)})
    return buffer.getvalue() + bytes(64)


def idx_bytes(array: np.ndarray) -> bytes:
    """An MNIST-style IDX file of unsigned bytes."""
    return (
        struct.pack(">I", 0x0800 + array.ndim)
        + struct.pack(f">{array.ndim}I", *array.shape)
        + array.astype(np.uint8).tobytes()
    )


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def checkpoint_zip(model: latent_core.LatentModel, folder: Path) -> bytes:
    model.save(folder / "ckpt")
    return zip_bytes({f"ckpt/{p.name}": p.read_bytes() for p in (folder / "ckpt").iterdir()})


def engine_error(ws, name: str, data: bytes, load=latent_core.load_dataset) -> str:
    """What latent_core says about the file the session was given (and deleted: nothing of it stays)."""
    assert ws.files.saved == {} and list(ws.files.folder.uploads.iterdir()) == []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        with pytest.raises(latent_core.InvalidInputError) as caught:
            load(path)
    return str(caught.value)


def page(path: str):
    at = app()
    at.switch_page(path).run()
    assert not at.exception, texts(at.exception)
    return at


def upload(at, key: str, name: str, data: bytes):
    at.file_uploader(key=key).set_value((name, data, OCTETS)).run()
    assert not at.exception, texts(at.exception)
    return at.session_state["workspace"]


def test_an_uploaded_npz_becomes_the_active_dataset_once_and_is_kept_in_the_workspace(uploads_root):
    at = page("pages/data.py")
    ws = upload(at, "upload_data", "faces.npz", npz_bytes())
    assert ws.dataset_key == "data-1" and ws.dataset.image_shape == (16, 16, 1) and len(ws.dataset) == 40
    assert choice(at, "dataset_choice").value == "data-1"
    assert any("'faces.npz' (40 images) is now the active dataset" in s for s in texts(at.success))
    assert any("Read 'faces.npz' as arrays" in i for i in texts(at.info))
    assert {m.label: m.value for m in at.metric}["Image size"] == "16 × 16"
    assert ws.model is None and any("No model fits" in w for w in texts(at.warning))  # digits' model takes 8x8 images
    (record,) = workspaces.library().datasets(ws.token)  # kept in the library; the session's copy is gone
    assert (record.key, record.name, record.size, record.shape) == ("data-1", "faces.npz", 40, (16, 16, 1))
    stored = workspaces.library().load_dataset(ws.token, "data-1")
    assert np.array_equal(stored.images, np.load(io.BytesIO(npz_bytes()))["images"][..., None])
    session_uploads = ws.files.folder.uploads
    assert session_uploads.parents[1] == uploads_root and list(session_uploads.iterdir()) == []
    choice(at, "dataset_choice").select("digits").run()
    at.run()  # the uploader still holds the file: it is not loaded again
    assert ws.dataset_key == "digits" and list(ws.uploaded_data) == ["data-1"]
    assert len(workspaces.library().datasets(ws.token)) == 1 and list(session_uploads.iterdir()) == []
    assert ws.model_key == "digits"  # the shipped model fits digits again
    assert "faces.npz (uploaded)" in choice(at, "dataset_choice").options


@pytest.mark.parametrize(
    "name, data",
    [
        ("digits.npy", png_bytes(8, 100)),  # a PNG renamed .npy
        ("huge.npy", huge_npy()),
    ],
)
def test_a_bad_dataset_file_shows_the_engines_sentence_and_keeps_everything(name, data):
    at = page("pages/data.py")
    ws = upload(at, "upload_data", name, data)
    assert texts(at.error) == [engine_error(ws, name, data)] and name in texts(at.error)[0]
    assert ws.dataset_key == "digits" and ws.model_key == "digits" and ws.uploaded_data == {}
    assert {m.label: m.value for m in at.metric}["Images"] == "1,797"
    at.run()
    assert texts(at.error) == []  # said once, not on every rerun


def test_vectors_uploaded_as_images_point_to_the_embeddings_choice():
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((30, 6), np.float32))
    at = page("pages/data.py")
    ws = upload(at, "upload_data", "vectors.npy", buffer.getvalue())
    (shown,) = texts(at.error)
    assert shown.startswith(engine_error(ws, "vectors.npy", buffer.getvalue()))
    assert "On the Data page, choose 'Embeddings (vectors)'" in shown
    assert ws.dataset_key == "digits"


def test_an_idx_images_file_with_its_labels_file():
    rng = np.random.default_rng(2)
    at = page("pages/data.py")
    at.file_uploader(key="upload_labels").set_value(("labels-idx1-ubyte", idx_bytes(np.arange(30) % 3), OCTETS))
    ws = upload(at, "upload_data", "images-idx3-ubyte", idx_bytes(rng.integers(0, 256, (30, 8, 8))))
    assert ws.dataset_key == "data-1" and ws.dataset.image_shape == (8, 8, 1)
    assert np.array_equal(ws.dataset.labels, np.arange(30) % 3)
    assert ws.model_key == "digits"  # 8x8 grey: the shipped model stays active


def test_the_session_folder_goes_with_its_owner(uploads_root):
    class Uploaded(io.BytesIO):
        file_id, name = "id-1", "../../etc/x.npz"

    files = SessionFiles()
    path = files.save(Uploaded(b"data"))
    assert files.save(Uploaded(b"other")) == path  # one copy per file_id
    assert path.parents[2] == uploads_root and path.name == "x.npz" and path.read_bytes() == b"data"
    session = files.folder.path
    del files
    gc.collect()
    assert not session.exists()


def test_mixed_image_sizes_load_at_the_most_common_size_or_the_one_chosen():
    files = {f"a/{k}.png": png_bytes(16, 10 * k) for k in range(5)} | {
        f"b/{k}.png": png_bytes(24, 200) for k in range(2)
    }
    files["b/notes.txt"] = b"not an image"
    at = page("pages/data.py")
    ws = upload(at, "upload_data", "mixed.zip", zip_bytes(files))
    assert ws.dataset.image_shape == (16, 16, 1) and ws.dataset.label_names == ["a", "b"]
    report = " ".join(texts(at.info))
    assert "5 of 7 images are 16x16" in report and "notes.txt" in report
    at.selectbox(key="upload_size").select(8).run()
    assert ws.dataset_key == "data-2" and ws.dataset.image_shape == (8, 8, 1)
    assert ws.model_key == "digits"  # 8x8 grey images fit the shipped digits model


def test_uploaded_embeddings_are_mapped_without_a_model_and_model_features_say_why():
    rows = ["x,y,z,label"] + [
        f"{i % 3 + 0.1 * i},{i % 5},{(i * 7) % 11},{'cat' if i % 2 else 'dog'}" for i in range(60)
    ]
    at = page("pages/data.py")
    ws = upload(at, "upload_data", "vectors.csv", "\n".join(rows).encode())
    assert isinstance(ws.dataset, latent_core.EmbeddingSet) and ws.model is None
    assert {m.label: m.value for m in at.metric}["Dimensions"] == "3"
    at.switch_page("pages/map.py").run()
    assert not at.exception, texts(at.exception)
    data = map_payload(at)
    assert (data["n"], data["sprite"], data["colour"]["names"]) == (60, None, ["cat", "dog"])
    projection = projections.project(ws.codes(), ws.method, ws.dims)
    map_events.handle(ws, {"kind": "point", "index": 4}, projection)
    assert ws.decoded.title == "Vector #4 · label dog" and "Nearest neighbours" in ws.decoded.note
    map_events.handle(ws, {"kind": "space", "x": 0.0, "y": 0.0}, projection)
    at.run()
    assert not at.exception, texts(at.exception)
    assert any("Decoding empty space needs a model: upload images or a checkpoint" in i for i in texts(at.info))
    for path in ("pages/traverse.py", "pages/model.py"):
        at.switch_page(path).run()
        assert not at.exception, texts(at.exception)
        assert any("needs a model: upload images or a checkpoint" in i for i in texts(at.info))


def test_an_uploaded_checkpoint_zip_becomes_the_active_model(tiny_model, tmp_path):
    at = page("pages/model.py")
    ws = upload(at, "upload_model", "tiny.zip", checkpoint_zip(tiny_model, tmp_path))
    assert ws.model_key == "checkpoint-1" and ws.model.latent_dim == 4
    record = workspaces.library().model(ws.token, "checkpoint-1")  # kept in the workspace; the session's copy is gone
    assert (record.name, record.source) == ("tiny.zip", "uploaded") and ws.files.saved == {}
    assert any("'tiny.zip (uploaded)' is now the active model" in s for s in texts(at.success))
    assert choice(at, "model_choice").value == "checkpoint-1"


def test_a_checkpoint_for_other_images_is_listed_but_the_model_kept(tmp_path):
    other = latent_core.ImageDataset(
        np.random.default_rng(0).integers(0, 255, (32, 16, 16, 1), dtype=np.uint8), name="noise"
    )
    model = latent_core.train_model(other, latent_dim=2, epochs=1, hidden=16, base_channels=4)
    at = page("pages/model.py")
    ws = upload(at, "upload_model", "noise.zip", checkpoint_zip(model, tmp_path))
    assert ws.model_key == "digits" and "checkpoint-1" in ws.saved_models
    assert any("16x16" in w and "'digits (shipped)' stays active" in w for w in texts(at.warning))


@pytest.mark.parametrize(
    "name, data",
    [
        ("model.zip", pickle.dumps({"weights": [1, 2, 3]})),  # a pickle renamed .zip
        ("model.zip", zip_bytes({"ckpt/model.safetensors": b"\x00" * 16})),  # a zip without config.json
    ],
)
def test_a_bad_checkpoint_shows_the_engines_sentence_and_keeps_the_model(name, data):
    at = page("pages/model.py")
    ws = upload(at, "upload_model", name, data)
    assert texts(at.error) == [engine_error(ws, name, data, latent_core.load_model)] and name in texts(at.error)[0]
    assert str(ws.files.folder.path) not in texts(at.error)[0]  # the server's folders stay private
    assert ws.model_key == "digits" and [k for k in ws.saved_models if k.startswith("checkpoint")] == []


@pytest.mark.parametrize("key, name", [("upload_data", "faces.npz"), ("upload_model", "model.zip")])
def test_a_file_over_the_size_limit_is_refused_in_words_and_nothing_changes(monkeypatch, key, name):
    at = page("pages/data.py" if key == "upload_data" else "pages/model.py")
    monkeypatch.setenv("LATENT_MAX_FILE_BYTES", "100")
    ws = upload(at, key, name, npz_bytes())
    assert len(at.error) == 1 and "over the limit of 100 bytes (set LATENT_MAX_FILE_BYTES" in at.error[0].value
    assert (ws.dataset_key, ws.model_key) == ("digits", "digits")
    assert list(ws.files.folder.uploads.iterdir()) == []  # the partial file is gone
