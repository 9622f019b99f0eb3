"""Scale benchmark (issue 15): encode generated 32x32 shapes images on 1 and 2 local Dask workers, then map the codes
fitted on a sample against a single-process UMAP fit on all of them. Prints one JSON line.

    python benchmarks/scale_bench.py [--images 200000] [--sample 50000] [--partition-size 2048]

Measures images/s with 1 and 2 workers and the parallel efficiency (rate with 2 / (2 x rate with 1)); peak
resident memory of the client and of each worker; the time to map every code fitted on --sample codes against
umap-learn fitted on all of them in this process (ratio); trustworthiness@10 of both maps on a 5,000-point subset;
and the extrapolated time for 10 million images on 16 workers from the measured per-worker rate.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

import latent_core
from latent_core.datasets.shapes import make_shapes
from latent_core.distributed import ClusterConfig, EncodeConfig, encode_to_parquet, open_engine, project_to_parquet
from latent_core.distributed.encode import stack_codes

CHUNK = 20_000
SUBSET = 5_000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_images(path: Path, count: int, row_group: int) -> None:
    """`count` shapes images as a Parquet table of PNG bytes, made CHUNK at a time."""
    writer = None
    for start in range(0, count, CHUNK):
        shapes = make_shapes(min(CHUNK, count - start), seed=start)
        blobs = []
        for image in shapes.images:
            out = io.BytesIO()
            Image.fromarray(image[..., 0]).save(out, format="PNG")
            blobs.append(out.getvalue())
        table = pa.table({"image": pa.array(blobs, pa.binary()), "label": pa.array(shapes.labels)})
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=row_group)
    writer.close()


def encode_run(data: Path, out: Path, workers: int, partition: int) -> dict:
    with open_engine(ClusterConfig(workers=workers)) as engine:
        engine.client.run(lambda: None)  # workers up before the clock starts
        result = encode_to_parquet(data, "shapes", out, EncodeConfig(partition_size=partition), engine=engine)
        worker_mb = sorted(engine.client.run(peak_rss_mb).values())
    return {
        "images_per_s": round(result.images_per_s, 1),
        "seconds": round(result.seconds, 2),
        "worker_peak_mb": worker_mb,
    }


def trustworthiness(codes: np.ndarray, embedding: np.ndarray) -> float:
    from sklearn.manifold import trustworthiness as score

    return round(float(score(codes, embedding, n_neighbors=10)), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--partition-size", type=int, default=2048)
    args = parser.parse_args()
    report: dict = {"images": args.images, "sample": args.sample}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        started = time.perf_counter()
        write_images(folder / "images.parquet", args.images, args.partition_size)
        report["generate_s"] = round(time.perf_counter() - started, 1)
        runs = {
            w: encode_run(folder / "images.parquet", folder / f"codes{w}.parquet", w, args.partition_size)
            for w in (1, 2)
        }
        report["encode"] = {f"{w}_workers": run for w, run in runs.items()}
        rate1, rate2 = runs[1]["images_per_s"], runs[2]["images_per_s"]
        report["parallel_efficiency"] = round(rate2 / (2 * rate1), 3)
        report["extrapolated_10M_on_16_workers_h"] = round(10_000_000 / (16 * rate1) / 3600, 2)

        config = latent_core.ProjectionConfig(method="umap")
        started = time.perf_counter()
        mapped = project_to_parquet(
            folder / "codes2.parquet", folder / "map.parquet", config, args.sample, ClusterConfig(workers=2)
        )
        sampled_s = time.perf_counter() - started
        table = pq.read_table(folder / "map.parquet")
        codes = stack_codes(table, 10)
        sampled_xy = np.column_stack([table.column("x").to_numpy(), table.column("y").to_numpy()])
        started = time.perf_counter()
        full = latent_core.fit_projection(codes, config)
        full_s = time.perf_counter() - started
        subset = np.random.default_rng(0).choice(len(codes), min(SUBSET, len(codes)), replace=False)
        report["project"] = {
            "sampled_fit_and_place_s": round(sampled_s, 1),
            "sample_fit_s": round(mapped.fit_seconds, 1),
            "full_fit_s": round(full_s, 1),
            "ratio_full_over_sampled": round(full_s / sampled_s, 2),
            "trustworthiness_sampled": trustworthiness(codes[subset], sampled_xy[subset]),
            "trustworthiness_full": trustworthiness(codes[subset], full.embedding[subset]),
        }
    report["client_peak_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
