"""Training throughput against a plain PyTorch loop of the same network, and decode latency.

Trains the default 28x28 VAE (latent_dim 16) on the MNIST test set from ../shared and
prints one JSON line. Both loops run in this process, alternating, and the medians of
several runs are compared, so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import latent_core
from latent_core.models.nets import Architecture, Decoder, Encoder

REPO = Path(__file__).resolve().parents[1]
MNIST = REPO.parent / "shared" / "data" / "mnist"
BATCH, EPOCHS, REPEATS = 128, 1, 3


def plain_loop(images: np.ndarray, seed: int) -> float:
    """The textbook loop: same networks, same loss, no progress, no validation. Returns seconds."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    arch = Architecture(28, 28, 1, 16)
    encoder, decoder = Encoder(arch), Decoder(arch)
    optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-3)
    data = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    for _ in range(EPOCHS):
        for index in torch.randperm(len(data)).split(BATCH):
            x = data[index]
            mean, logvar = encoder(x)
            z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
            recon = F.binary_cross_entropy_with_logits(decoder(z), x, reduction="sum") / len(x)
            kl = (-0.5 * (1 + logvar - mean.pow(2) - logvar.exp()).sum(dim=1)).mean()
            loss = recon + kl
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return time.perf_counter() - start


def ours(dataset, seed: int) -> float:
    start = time.perf_counter()
    latent_core.train_model(
        dataset,
        latent_dim=16,
        epochs=EPOCHS,
        batch_size=BATCH,
        seed=seed,
        validation_fraction=0.0,
        on_progress=lambda p: None,
    )
    return time.perf_counter() - start


def median_ms(fn, repeats: int = 100) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # no options: --help says what it does
    dataset = latent_core.load_dataset(str(MNIST))
    plain_times, our_times = [], []
    for seed in range(REPEATS):
        plain_times.append(plain_loop(dataset.images, seed))
        our_times.append(ours(dataset, seed))
    n = len(dataset) * EPOCHS
    plain_ips, our_ips = n / statistics.median(plain_times), n / statistics.median(our_times)
    model = latent_core.train_model(dataset, latent_dim=16, epochs=1, batch_size=BATCH, seed=0)
    params = sum(p.numel() for p in model.network.parameters())
    rng = np.random.default_rng(0)
    one, batch = rng.standard_normal((1, 16)).astype(np.float32), rng.standard_normal((256, 16)).astype(np.float32)
    print(
        json.dumps(
            {
                "benchmark": "train",
                "images": len(dataset),
                "parameters": params,
                "threads": torch.get_num_threads(),
                "train_images_per_s": round(our_ips, 1),
                "plain_loop_images_per_s": round(plain_ips, 1),
                "ratio_vs_plain_loop": round(our_ips / plain_ips, 3),
                "decode_single_ms_p50": round(median_ms(lambda: model.decode(one)), 3),
                "decode_batch256_ms_p50": round(median_ms(lambda: model.decode(batch)), 3),
                "runs": REPEATS,
            }
        )
    )


if __name__ == "__main__":
    main()
