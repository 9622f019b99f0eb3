"""A process that saves into a library, for the crash and sharing tests (run as `python -m tests.core.library.saver`).

crash HOME TOKEN: save large datasets and models, each with new content, until killed; prints "saving <n>"
before each save. share HOME TOKEN NAME COUNT TOTAL: save COUNT small datasets NAME-<i> and a model NAME-model,
wait until the workspace holds TOTAL datasets and a model from each process, and print their keys and names.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch

import latent_core as lc
from latent_core.models import Architecture


def random_model(seed: int, hidden: int, side: int = 32) -> lc.LatentModel:
    """An untrained VAE with weights drawn from `seed`: hidden=2048 at 32x32x3 holds about 35 MB of weights."""
    architecture = Architecture(height=side, width=side, channels=3, latent_dim=16, hidden=hidden)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return lc.LatentModel.build(
            {
                "name": f"random-{seed}",
                "kind": "vae",
                "beta": 1.0,
                "architecture": architecture.to_dict(),
                "history": [],
            }
        )


def random_images(seed: int, n: int, side: int = 32) -> lc.ImageDataset:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, side, side, 3), dtype=np.uint8)
    return lc.ImageDataset(images, labels=np.arange(n) % 10, label_names=[f"c{i}" for i in range(10)], name=f"r{seed}")


def crash(home: str, token: str) -> None:
    library = lc.Library(home=home)
    for n in range(1_000_000):
        print(f"saving {n}", flush=True)
        seed = int(time.time_ns() % 2**31) + n
        if n % 2:
            library.save_model(token, random_model(seed, hidden=2048), f"model {n}")
        else:
            library.save_dataset(token, random_images(seed, 12_000), f"data {n}")


def share(home: str, token: str, name: str, count: int, total: int) -> None:
    library = lc.Library(home=home)
    seed = sum(map(ord, name))
    for i in range(count):
        library.save_dataset(token, random_images(seed * 100 + i, 20, side=8), f"{name}-{i}")
    library.save_model(token, random_model(seed, hidden=32, side=8), f"{name}-model")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(library.datasets(token)) >= total and len(library.models(token)) >= total // count:
            break
        time.sleep(0.05)
    datasets = [(r.key, r.name) for r in library.datasets(token)]
    models = [(r.key, r.name) for r in library.models(token)]
    print(json.dumps({"datasets": datasets, "models": models}), flush=True)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "crash":
        crash(*args)
    else:
        share(args[0], args[1], args[2], int(args[3]), int(args[4]))
