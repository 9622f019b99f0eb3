"""project_to_parquet and MapFile: a map fitted on a sample and applied to every row, read back in pieces."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

import latent_core
from latent_core.cli import main
from latent_core.distributed import EncodeConfig, MapFile, encode_to_parquet, project_to_parquet
from latent_core.distributed.encode import stack_codes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def codes_file(engine, image_table, tmp_path_factory):
    out = tmp_path_factory.mktemp("codes") / "codes.parquet"
    encode_to_parquet(image_table, "shapes", out, EncodeConfig(partition_size=1000), engine=engine)
    return out


def test_pca_map_of_every_row_fitted_on_a_sample(engine, codes_file, shapes_5000, tmp_path):
    out = tmp_path / "map.parquet"
    config = latent_core.ProjectionConfig(method="pca")
    result = project_to_parquet(codes_file, out, config, sample=1000, engine=engine)
    table = pq.read_table(out)
    assert result.rows == len(table) == 5000 and result.sample == 1000
    assert int(table.column("in_sample").to_numpy().sum()) == 1000
    np.testing.assert_array_equal(table.column("index").to_numpy(), np.arange(5000))
    codes = stack_codes(table, 10)
    sample_codes = codes[table.column("in_sample").to_numpy()]
    expected = latent_core.fit_projection(sample_codes, config).transform(codes)
    xy = np.column_stack([table.column("x").to_numpy(), table.column("y").to_numpy()])
    np.testing.assert_allclose(xy, expected, atol=1e-4)
    assert set(result.quality) >= {"trustworthiness", "knn_recall", "inverse_error"}

    opened = MapFile(out)
    x0, x1, y0, y1 = opened.bounds()
    assert (x0, x1) == pytest.approx((xy[:, 0].min(), xy[:, 0].max()))
    counts, x_edges, y_edges = opened.density(64)
    assert counts.shape == (64, 64) and counts.sum() == 5000 and x_edges[0] == pytest.approx(x0)
    sample = opened.sample(300)
    assert len(sample["row"]) == 300 and np.all(np.diff(sample["row"]) > 0)
    np.testing.assert_allclose(sample["x"], xy[sample["row"], 0])
    assert sample["source"][0] == f"img{sample['index'][0]:05d}.png"
    decoded, confidence = opened.inverse()(xy[:5])
    np.testing.assert_allclose(decoded, expected_inverse(sample_codes, config, xy[:5]), atol=1e-4)
    assert confidence.shape == (5,) and (confidence > 0.5).all()
    row = int(sample["index"][0])
    np.testing.assert_array_equal(opened.source_image(row, sample["source"][0]), shapes_5000.images[row])


def expected_inverse(sample_codes, config, points):
    return latent_core.fit_projection(sample_codes, config).inverse(points)


def test_cli_project_codes_with_umap(codes_file, tmp_path, capsys):
    out = tmp_path / "map.parquet"
    args = ["project", "--codes", str(codes_file), "--method", "umap", "--sample", "800", "--epochs", "20"]
    assert main(args + ["--out", str(out), "--workers", "1", "--no-cache"]) == 0
    printed = capsys.readouterr().out
    assert "wrote 5,000 2-D umap coordinates" in printed and "fitted on 800 codes" in printed
    opened = MapFile(out)
    assert opened.rows == 5000 and opened.method == "umap" and opened.meta["sample"] == 800
    assert np.isfinite(opened.sample(5000)["y"]).all()
    codes, _ = opened.inverse()([[0.0, 0.0]])
    assert codes.shape == (1, 10)


def test_cli_project_refuses_mixed_or_wrong_inputs(codes_file, image_table, tmp_path, capsys):
    out = str(tmp_path / "map.parquet")
    assert main(["project", "--codes", str(codes_file), "--model", "shapes", "--out", out]) == 2
    assert "either --codes, or --model and --dataset" in capsys.readouterr().err
    assert main(["project", "--codes", str(image_table), "--out", out]) == 2
    assert "is not a codes file made by `latent-core encode`" in capsys.readouterr().err
    assert main(["project", "--codes", str(codes_file), "--sample", "10", "--out", out]) == 2
    assert "Sample 10 is too small" in capsys.readouterr().err
    assert main(["project", "--model", "shapes", "--dataset", "shapes", "--out", out, "--workers", "2"]) == 2
    assert "--workers need --codes" in capsys.readouterr().err
