"""Training throughput of train_model against a plain PyTorch loop over the same network, and decode latency.

Two cases: the default 28x28 VAE (latent_dim 16) on the MNIST test set from ../shared, one epoch
at batch 128, and a 64x64 grey VAE on 400 synthetic faces (latent_dim 16), five epochs at batch 64.
The plain loop trains a fresh copy of the network train_model builds (same architecture, same
pixel likelihood, same loss, same batch size, same torch threads) with nothing else: no progress,
no validation, no schedules. Both loops run in this process, alternating, and the medians of
several runs are compared, so machine noise hits both alike. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

import latent_core
from latent_core import LatentModel
from latent_core.datasets.faces import make_faces

REPO = Path(__file__).resolve().parents[1]
MNIST = REPO.parent / "shared" / "data" / "mnist"


@dataclass(frozen=True)
class Case:
    epochs: int
    batch_size: int
    latent_dim: int = 16


CASES = {"mnist28": Case(epochs=1, batch_size=128), "faces64": Case(epochs=5, batch_size=64)}


def load(name: str):
    return latent_core.load_dataset(str(MNIST)) if name == "mnist28" else make_faces(n=400, size=64, identities=40)


def train_ours(dataset, case: Case, seed: int):
    """train_model as the app calls it, without validation images. Returns (seconds, model)."""
    start = time.perf_counter()
    model = latent_core.train_model(
        dataset,
        latent_dim=case.latent_dim,
        epochs=case.epochs,
        batch_size=case.batch_size,
        seed=seed,
        validation_fraction=0.0,
        on_progress=lambda p: None,
    )
    return time.perf_counter() - start, model


def train_plain(dataset, case: Case, config: dict, seed: int) -> float:
    """The textbook loop over a fresh network built from train_model's config (architecture and likelihood):
    images converted once, shuffled batches, loss, backward, Adam step. Returns seconds."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    network = LatentModel.build(config).network.train()
    optimizer = torch.optim.Adam(network.parameters(), lr=config["training"]["learning_rate"])
    noise = torch.Generator().manual_seed(seed)
    data = torch.from_numpy(dataset.images).permute(0, 3, 1, 2).float() / 255  # (N, C, H, W), as train_model's
    for _ in range(case.epochs):
        for index in torch.randperm(len(data)).split(case.batch_size):
            loss = network.loss_terms(data[index], noise)["loss"]
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    return time.perf_counter() - start


def median_ms(fn, repeats: int = 100) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def decode_latency(model) -> dict:
    """Median milliseconds to decode 1 code and 256 codes."""
    rng = np.random.default_rng(0)
    one = rng.standard_normal((1, model.latent_dim)).astype(np.float32)
    batch = rng.standard_normal((256, model.latent_dim)).astype(np.float32)
    return {
        "decode_single_ms_p50": round(median_ms(lambda: model.decode(one)), 3),
        "decode_batch256_ms_p50": round(median_ms(lambda: model.decode(batch)), 3),
    }


def run_case(name: str, runs: int) -> tuple[dict, object]:
    case, dataset = CASES[name], load(name)
    _, model = train_ours(dataset, case, seed=0)  # warm-up, and the config the plain loop rebuilds
    plain_times, our_times = [], []
    for seed in range(runs):
        plain_times.append(train_plain(dataset, case, model.config, seed))
        our_times.append(train_ours(dataset, case, seed)[0])
    n = len(dataset) * case.epochs
    plain_ips, our_ips = n / statistics.median(plain_times), n / statistics.median(our_times)
    arch = model.config["architecture"]
    result = {
        "image_shape": list(dataset.image_shape),
        "images": len(dataset),
        "epochs": case.epochs,
        "batch_size": case.batch_size,
        "blocks": arch.get("blocks", "plain"),
        "likelihood": model.config.get("likelihood", "bernoulli"),
        "parameters": sum(p.numel() for p in model.network.parameters()),
        "train_images_per_s": round(our_ips, 1),
        "plain_loop_images_per_s": round(plain_ips, 1),
        "ratio_vs_plain_loop": round(our_ips / plain_ips, 3),
    }
    return result, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both loops (default 1)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each loop per case; medians are compared")
    args = parser.parse_args()
    names = [n for n in args.cases.split(",") if n]
    if not names or set(names) - set(CASES):
        parser.error(f"--cases must name some of {', '.join(CASES)}")
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # train_model's default thread count follows it
    torch.set_num_threads(args.threads)
    out = {"benchmark": "train", "threads": args.threads, "runs": args.runs, "cases": {}}
    for name in names:
        out["cases"][name], model = run_case(name, args.runs)
        if name == "mnist28":
            out |= decode_latency(model)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
