"""How good the shipped models are, and whether a short training learns faces: one JSON line.

- Shipped figures, read from models/<name>/metrics.json (what `make models` measured), or measured again
  with --recompute: digits' IWAE NLL (k=1000) and active units on its validation split; shapes' MIG,
  template-matching readout and rotation errors (on fresh shapes, seed 1, with --recompute); mnist's
  binarised IWAE NLL (k=1000) on the last 1,000 MNIST test images (skipped when the data is absent).
- Faces: train_model with the app's defaults for 400 synthetic 64x64 faces (datasets.faces.make_faces),
  stopped after --seconds (default 180) of training, then the reconstruction MSE of the training images and
  of 40 held-out faces (10%), each against the mean training image's MSE measured in the same run (goal:
  below 0.5 of it); training images per second (the median over epochs) and encoding images per second
  (the median of --runs timings).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import latent_core
from latent_core.checkpoint.discovery import shipped_dir
from latent_core.datasets.faces import make_faces
from latent_core.evaluation.result import Evaluation

REPO = Path(__file__).resolve().parents[1]
MNIST = REPO.parent / "shared" / "data" / "mnist"
FACES_GOAL = 0.5  # reconstruction MSE below this share of the mean image's


def stored(name: str) -> Evaluation | None:
    path = shipped_dir() / name / "metrics.json"
    return Evaluation.from_dict(json.loads(path.read_text())) if path.is_file() else None


def mnist_held_out():
    import sys

    sys.path.insert(0, str(REPO / "models"))
    from split_mnist import N_TRAIN, binarised  # the same split and threshold `make models` uses

    dataset = latent_core.load_dataset(MNIST)
    images = binarised(dataset.images)[N_TRAIN:, ..., None]
    return latent_core.ImageDataset(images, dataset.labels[N_TRAIN:], dataset.label_names, {}, "mnist-held-out")


def measured(name: str, recompute: bool) -> Evaluation | None:
    """A shipped model's Evaluation: its metrics.json, or measured again on the same kind of held-out images."""
    if not recompute or name not in latent_core.shipped_models():
        return stored(name)
    model = latent_core.load_model(name)
    if name == "digits":
        return latent_core.evaluate(model, latent_core.load_dataset("digits"), k=1000)
    if name == "shapes":
        return latent_core.evaluate(model, latent_core.load_dataset("shapes", n=2000, seed=1), k=100)
    if not MNIST.is_dir():
        return None
    return latent_core.evaluate(model, mnist_held_out(), k=1000, binarize=True)


def shipped_figures(recompute: bool) -> dict:
    digits, shapes, mnist = (measured(name, recompute) for name in ("digits", "shapes", "mnist"))
    figures = {}
    if digits is not None:
        figures["digits"] = {
            "iwae_nll_nats": round(digits.iwae_nll_nats, 2),
            "iwae_se": round(digits.iwae_se, 2),
            "k": digits.k,
            "likelihood": digits.likelihood,
            "active_units": digits.active_units,
            "latent_dim": len(digits.kl_per_dim),
        }
    if shapes is not None:
        readout = shapes.readout or {}
        figures["shapes"] = {
            "mig": round(shapes.mig, 3),
            "dci_disentanglement": round(shapes.dci_disentanglement, 3),
            "identified": readout.get("identified"),
            "rotation_error_deg": readout.get("rotation_error_deg"),
            "active_units": shapes.active_units,
            "n_images": shapes.n_images,
            "split": shapes.split,
        }
    if mnist is not None:
        figures["mnist"] = {
            "binarized_iwae_nll_nats": round(mnist.iwae_nll_nats, 2),
            "iwae_se": round(mnist.iwae_se, 2),
            "k": mnist.k,
            "n_images": mnist.n_images,
            "active_units": mnist.active_units,
        }
    return figures


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean per-pixel squared error of uint8 images, in units of the [0, 1] range."""
    return float(np.mean((a.astype(np.float64) / 255 - b.astype(np.float64) / 255) ** 2))


def faces_figures(seconds: float, runs: int) -> dict:
    faces = make_faces(n=400, size=64, identities=40)
    config = latent_core.TrainConfig.suggested(faces.image_shape)
    deadline = []

    def should_stop() -> bool:
        return time.perf_counter() > deadline[0]

    deadline.append(time.perf_counter() + seconds)
    start = time.perf_counter()
    model = latent_core.train_model(faces, config, should_stop=should_stop, threads=1)
    trained_s = time.perf_counter() - start
    training, validation = latent_core.training.split(len(faces), config.validation_fraction, config.seed)
    mean_image = np.rint(faces.images[training].mean(axis=0, keepdims=True)).astype(np.uint8)
    shares = {}
    for label, rows in (("training", training), ("held_out", validation)):
        images = faces.images[rows]
        shares[label] = {
            "recon_mse": round(mse(model.reconstruct(images), images), 5),
            "mean_image_mse": round(mse(np.broadcast_to(mean_image, images.shape), images), 5),
        }
        shares[label]["ratio"] = round(shares[label]["recon_mse"] / shares[label]["mean_image_mse"], 3)
    per_epoch = [
        len(training) / record["seconds"] for record in model.history if record.get("seconds") and "val_loss" in record
    ]
    encode_s = []
    for _ in range(runs):
        tick = time.perf_counter()
        model.encode(faces.images)
        encode_s.append(time.perf_counter() - tick)
    return {
        "train_seconds": round(trained_s, 1),
        "epochs_done": len(model.history),
        "steps_done": len(model.history) * config.steps_per_epoch(len(faces)),
        "config": {
            "latent_dim": config.latent_dim,
            "batch_size": config.batch_size,
            "likelihood": model.config["likelihood"],
        },
        **shares,
        "goal_ratio": FACES_GOAL,
        "met": shares["training"]["ratio"] < FACES_GOAL and shares["held_out"]["ratio"] < FACES_GOAL,
        "train_images_per_s": round(statistics.median(per_epoch), 1) if per_epoch else None,
        "encode_images_per_s": round(len(faces) / statistics.median(encode_s), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recompute", action="store_true", help="measure the shipped models again")
    parser.add_argument("--seconds", type=float, default=180.0, help="training time for the faces case")
    parser.add_argument("--runs", type=int, default=5, help="timings of encoding, of which the median")
    args = parser.parse_args()
    torch.set_num_threads(1)
    faces = faces_figures(args.seconds, args.runs)
    result = {"shipped": shipped_figures(args.recompute), "faces64": faces, "torch_threads": 1}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
