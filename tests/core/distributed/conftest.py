"""Fixtures of the cluster tests: generated shapes images as files, and one 2-worker LocalCluster per module."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from latent_core.datasets.shapes import SHAPE_NAMES, make_shapes
from latent_core.distributed import ClusterConfig, open_engine


def png(image: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image[..., 0]).save(out, format="PNG")
    return out.getvalue()


def write_image_table(path: Path, images: np.ndarray, labels: np.ndarray, row_group: int = 500) -> Path:
    """A Parquet table of PNG bytes (column image) with labels and names, as a user might bring."""
    table = pa.table(
        {
            "image": pa.array([png(im) for im in images], pa.binary()),
            "label": pa.array(labels, pa.int64()),
            "path": [f"img{i:05d}.png" for i in range(len(images))],
        }
    )
    pq.write_table(table, path, row_group_size=row_group)
    return path


def write_image_folder(folder: Path, images: np.ndarray, labels: np.ndarray) -> Path:
    """One class folder per shape, one PNG per image."""
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        target = folder / SHAPE_NAMES[label] / f"{i:05d}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png(image))
    return folder


@pytest.fixture(scope="module")
def shapes_5000():
    return make_shapes(5000, seed=1)


@pytest.fixture(scope="module")
def image_table(tmp_path_factory, shapes_5000) -> Path:
    folder = tmp_path_factory.mktemp("table")
    return write_image_table(folder / "shapes.parquet", shapes_5000.images, shapes_5000.labels)


@pytest.fixture(scope="module")
def engine():
    """A LocalCluster of two worker processes, shared by a module's tests."""
    with open_engine(ClusterConfig(workers=2)) as engine:
        yield engine
