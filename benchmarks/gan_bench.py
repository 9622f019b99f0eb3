"""GAN training throughput against a plain PyTorch GAN loop over the same networks, sample quality over
training, and the inversion's error and time. Prints one JSON line.

Speed: train_gan (with its progress, sample grids and a quality check at the end of its one epoch; the
dataset's classifier is fitted beforehand, once per process as in the app) and the textbook loop (same
Generator and Discriminator, same hinge losses, Adam and batches, nothing else) each run --steps steps,
alternating, --repeats times; the medians are compared. Quality: one train_gan run of --epochs on the
whole dataset, whose history holds the Fréchet distance (classifier features) over training, then
sample_quality on 2,000 samples. Inversion: on the run's held-out validation images, the pixel MSE and the
time per image of the encoder alone and of invert's refinement (--refine-steps), batched.

    python benchmarks/gan_bench.py                       # shapes, 32x32
    python benchmarks/gan_bench.py --dataset ../shared/data/mnist --epochs 2   # 28x28 digits
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace

import numpy as np
import torch

import latent_core
from latent_core.evaluation.sample_quality import fit_classifier, sample_quality
from latent_core.gan_training import BETAS, GAN_LEARNING_RATE, train_gan
from latent_core.inversion import invert, pixel_mse
from latent_core.models.gan import Discriminator, Generator, discriminator_hinge_loss, generator_hinge_loss
from latent_core.models.nets import Architecture
from latent_core.training import TrainConfig, split


def plain_loop(images: np.ndarray, config: TrainConfig, steps: int) -> float:
    """The textbook GAN loop over the same networks: returns seconds for `steps` steps (after building them)."""
    torch.manual_seed(config.seed)
    h, w, c = images.shape[1:]
    arch = Architecture(h, w, c, config.latent_dim, base_channels=config.base_channels, blocks="plain")
    generator, discriminator = Generator(arch), Discriminator(arch)
    g_opt = torch.optim.Adam(generator.parameters(), lr=GAN_LEARNING_RATE, betas=BETAS)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=GAN_LEARNING_RATE, betas=BETAS)
    data = torch.from_numpy(images)
    start = time.perf_counter()
    for index in torch.randperm(len(data))[: steps * config.batch_size].split(config.batch_size):
        x = data[index].permute(0, 3, 1, 2).float() / 255
        fake = torch.sigmoid(generator(torch.randn(len(x), config.latent_dim)))
        d_loss = discriminator_hinge_loss(discriminator(x), discriminator(fake.detach()))
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = generator_hinge_loss(discriminator(fake))
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()
    return time.perf_counter() - start


def engine_loop(dataset, config: TrainConfig, steps: int) -> float:
    """train_gan for one epoch of `steps` steps: the seconds its history records for that epoch (the
    inversion that follows is cancelled at its first report and not counted)."""
    subset = dataset.subset(np.arange(steps * config.batch_size))
    inverting = set()
    model = train_gan(
        subset,
        replace(config, epochs=1, validation_fraction=0.0),
        on_progress=lambda progress: inverting.add(progress.phase == "inversion"),
        should_stop=lambda: True in inverting,
    )
    return model.history[0]["seconds"]


def speed(dataset, config: TrainConfig, steps: int, repeats: int) -> dict:
    fit_classifier(dataset.subset(np.arange(steps * config.batch_size)))  # once per dataset and process
    plain, engine = [], []
    for _ in range(repeats):
        engine.append(steps / engine_loop(dataset, config, steps))
        plain.append(steps / plain_loop(dataset.images, config, steps))
    e, p = statistics.median(engine), statistics.median(plain)
    return {"steps_per_s_train_gan": round(e, 3), "steps_per_s_plain": round(p, 3), "ratio": round(e / p, 3)}


def timed(call) -> tuple[object, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def quality_and_inversion(dataset, config: TrainConfig, refine_steps: int, max_images: int) -> dict:
    model, seconds = timed(lambda: train_gan(dataset, config))
    train_index, val_index = split(len(dataset), config.validation_fraction, config.seed)
    steps_per_epoch = -(-len(train_index) // config.batch_size)
    held_out = dataset.images[val_index[:max_images]]
    encoded, encode_s = timed(lambda: invert(model, held_out, steps=0))
    refined, refine_s = timed(lambda: invert(model, held_out, steps=refine_steps))
    final = sample_quality(model, dataset, n=2000, seed=1)
    over_training = [
        {
            "step": record["epoch"] * steps_per_epoch,
            "fd": round(record["fd"], 2),
            "coverage": record["class_coverage"],
            "largest_share": record["largest_class_share"],
            "median_confidence": round(record["median_confidence"], 3),
        }
        for record in model.history
        if "fd" in record
    ]
    return {
        "train_seconds": round(seconds, 1),
        "steps": config.epochs * steps_per_epoch,
        "fd_over_training": over_training,
        "final_quality_2000": {
            k: round(v, 4) if isinstance(v, float) else v for k, v in final.items() if k != "class_shares"
        }
        | {"class_shares": {k: round(v, 3) for k, v in final["class_shares"].items()}},
        "warnings": model.config["warnings"],
        "inversion": {
            "held_out_images": len(held_out),
            "mse_encoder": round(float(pixel_mse(model, held_out, encoded).mean()), 5),
            "mse_refined": round(float(pixel_mse(model, held_out, refined).mean()), 5),
            "refine_steps": refine_steps,
            "ms_per_image_encoder": round(1000 * encode_s / len(held_out), 3),
            "ms_per_image_refined": round(1000 * refine_s / len(held_out), 3),
            "mse_mean_image_baseline": round(
                float(((held_out / 255.0 - dataset.images.mean(0) / 255.0) ** 2).mean()), 5
            ),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="shapes", help="a built-in name or a dataset path")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--latent-dim", type=int, default=16)
    parser.add_argument("--base-channels", type=int, default=32)
    parser.add_argument("--steps", type=int, default=100, help="steps of each speed run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--refine-steps", type=int, default=50)
    parser.add_argument("--inversion-images", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dataset = latent_core.load_dataset(args.dataset)
    config = TrainConfig(
        kind="gan",
        latent_dim=args.latent_dim,
        epochs=args.epochs,
        batch_size=args.batch_size,
        base_channels=args.base_channels,
    )
    result = {
        "dataset": dataset.name,
        "image_shape": list(dataset.image_shape),
        "images": len(dataset),
        "threads": args.threads,
        "batch_size": args.batch_size,
        "latent_dim": args.latent_dim,
        "base_channels": args.base_channels,
        "speed": speed(dataset, config, args.steps, args.repeats),
    }
    result |= quality_and_inversion(dataset, config, args.refine_steps, args.inversion_images)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
