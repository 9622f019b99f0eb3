"""CLI subcommands for models: train, info, encode, decode."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from ..errors import InvalidInputError
from ..training import TrainConfig
from .cluster_commands import add_encode_flags, refuse_cluster_flags, run_encode_parquet
from .flags import add_config_flags, config_from_args


def register(subparsers) -> None:
    train = subparsers.add_parser("train", help="train a VAE, beta-VAE or autoencoder and save a checkpoint folder")
    train.add_argument("--dataset", required=True, help="built-in name (digits, shapes, mnist, ...) or a path")
    train.add_argument("--out", required=True, type=Path, help="checkpoint folder to write")
    add_config_flags(train, TrainConfig)
    train.add_argument(
        "--threads",
        type=int,
        help="torch threads while training (default: OMP_NUM_THREADS if set, else the cores the load average "
        "leaves free; on a busy machine 1 thread trains several times faster than 2)",
    )
    train.add_argument("--name", help="model name recorded in config.json and the model card")
    train.set_defaults(run=run_train)

    info = subparsers.add_parser("info", help="describe a model and/or a dataset")
    info.add_argument("--model", help="shipped name or checkpoint folder")
    info.add_argument("--dataset", help="built-in name or path")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.set_defaults(run=run_info)

    encode = subparsers.add_parser(
        "encode", help="encode a dataset to latent codes (.npy or .csv), or a large one on a cluster (--data, .parquet)"
    )
    encode.add_argument("--model", required=True)
    data = encode.add_mutually_exclusive_group(required=True)
    data.add_argument("--dataset", help="built-in name or path, encoded in this process")
    data.add_argument("--data", help="a folder, zip, Parquet of image bytes or IDX file, encoded in parts on a cluster")
    encode.add_argument(
        "--out", required=True, type=Path, help="codes file: .npy, or .csv with a label column; .parquet with --data"
    )
    add_encode_flags(encode)
    encode.set_defaults(run=run_encode)

    decode = subparsers.add_parser(
        "decode", help="decode latent codes (.npy/.csv, or random draws from the prior) to a PNG grid"
    )
    decode.add_argument("--model", required=True)
    source = decode.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--codes", type=Path, help=".npy of shape (N, latent_dim) or (latent_dim,), or a .csv of numbers"
    )
    source.add_argument("--random", type=int, metavar="N", help="decode N codes drawn from the standard normal prior")
    decode.add_argument("--seed", type=int, default=0)
    decode.add_argument("--out", required=True, type=Path, help="PNG file to write")
    decode.add_argument("--cols", type=int, help="images per row (default: square grid)")
    decode.add_argument(
        "--scale", type=int, default=0, help="enlarge each pixel this many times (default: about 96 px per image)"
    )
    decode.set_defaults(run=run_decode)


def progress_bar(total: float, desc: str, unit: str = "img"):
    """A tqdm bar on stderr; fractional counts (epochs) print with one decimal."""
    from tqdm import tqdm

    counter = "{n:.1f}/{total_fmt}" if unit == "epoch" else "{n_fmt}/{total_fmt}"
    return tqdm(
        total=total,
        desc=desc,
        file=sys.stderr,
        unit=unit,
        dynamic_ncols=True,
        leave=False,
        smoothing=0,
        bar_format="{l_bar}{bar}| " + counter + " " + unit + "s [{elapsed}<{remaining}{postfix}]",
    )


def run_train(args) -> int:
    from .. import train_model
    from ..training import default_threads
    from . import open_dataset

    config = config_from_args(TrainConfig, args).validate()
    dataset = open_dataset(args.dataset)
    config = config.resolved(dataset.image_shape, len(dataset))
    threads = default_threads() if args.threads is None else args.threads
    print(f"training on {dataset.name}: {config.describe_steps(len(dataset))}, {threads} thread(s)", file=sys.stderr)
    steps = {"last": 0}
    with progress_bar(config.epochs, f"training on {dataset.name}", unit="epoch") as bar:

        def on_progress(p) -> None:
            if getattr(p, "phase", "") != "inversion":  # a GAN's inversion encoder trains after the epochs
                done = (p.epoch - 1) + p.step / p.steps_per_epoch
                bar.update(done - steps["last"])
                steps["last"] = done
            bar.set_postfix({k: f"{v:.2f}" for k, v in p.losses.items()} | {"img_s": f"{p.images_per_s:.0f}"})

        model = train_model(dataset, config, on_progress=on_progress, threads=threads)
    if args.name:
        model.config["name"] = args.name
    model.save(args.out)
    best = model.history[model.config["best_epoch"] - 1]
    if model.kind == "gan":
        print(
            f"saved {model} to {args.out}: {len(model.history)} epochs, discriminator loss "
            f"{best['train_d_loss']:.3f}, generator loss {best['train_g_loss']:.3f}"
        )
        return 0
    print(
        f"saved {model} to {args.out}: epoch {best['epoch']} of {len(model.history)} kept, train loss "
        f"{best['train_loss']:.3f}, validation loss {best.get('val_loss', float('nan')):.3f}"
    )
    return 0


def describe_model(model) -> dict:
    last = model.history[-1] if model.history else {}
    return {
        "name": model.name,
        "kind": model.kind,
        "beta": model.config.get("beta"),
        "latent_dim": model.latent_dim,
        "image_shape": list(model.image_shape),
        "can_encode": model.can_encode,
        "epochs": len(model.history),
        "val_loss": last.get("val_loss"),
        "dataset": model.config.get("dataset", {}).get("name"),
    }


def describe_dataset(dataset) -> dict:
    counts = None if dataset.labels is None else np.bincount(dataset.labels).tolist()
    return {
        "name": dataset.name,
        "size": len(dataset),
        "image_shape": list(dataset.image_shape),
        "label_names": dataset.label_names,
        "class_counts": counts,
        "factors": sorted(dataset.factors),
        "fingerprint": dataset.fingerprint,
    }


def run_info(args) -> int:
    from .. import load_model
    from . import open_dataset

    if not args.model and not args.dataset:
        raise InvalidInputError("info needs --model, --dataset or both.")
    report = {}
    if args.model:
        report["model"] = describe_model(load_model(args.model))
    if args.dataset:
        report["dataset"] = describe_dataset(open_dataset(args.dataset))
    if args.json:
        print(json.dumps(report))
    else:
        for section, fields in report.items():
            print(f"{section}:")
            for key, value in fields.items():
                print(f"  {key}: {value}")
    return 0


def encoded(model_name: str, dataset_name: str):
    """The model, the dataset and its codes float32 (N, d), with a progress bar on stderr."""
    from .. import load_model
    from . import open_dataset

    model, dataset = load_model(model_name), open_dataset(dataset_name)
    chunk = 2048
    codes = np.empty((len(dataset), model.latent_dim), dtype=np.float32)
    with progress_bar(len(dataset), "encoding") as bar:
        for start in range(0, len(dataset), chunk):
            codes[start : start + chunk] = model.encode(dataset.images[start : start + chunk])
            bar.update(min(chunk, len(dataset) - start))
    return model, dataset, codes


def run_encode(args) -> int:
    if args.data is not None:
        return run_encode_parquet(args)
    refuse_cluster_flags(args, "--data")
    suffix = args.out.suffix.lower()
    if suffix not in (".npy", ".csv"):
        raise InvalidInputError(f"Output '{args.out}' must end in .npy or .csv.")
    model, dataset, codes = encoded(args.model, args.dataset)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npy":
        np.save(args.out, codes)
    else:
        header = ",".join(f"z{i}" for i in range(model.latent_dim))
        rows = codes if dataset.labels is None else np.column_stack([codes, dataset.labels])
        header += "" if dataset.labels is None else ",label"
        np.savetxt(args.out, rows, delimiter=",", header=header, comments="", fmt="%.7g")
    print(f"wrote {codes.shape[0]} codes of dimension {codes.shape[1]} to {args.out}")
    return 0


def is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def read_codes(path: Path) -> np.ndarray:
    """Codes from .npy (never pickled) or a numeric .csv with an optional header row."""
    if not path.is_file():
        raise InvalidInputError(f"Codes file '{path}' does not exist.")
    with open(path, "rb") as f:
        is_npy = f.read(6) == b"\x93NUMPY"
    try:
        if is_npy:
            return np.load(path, allow_pickle=False)
        lines = [line.split(",") for line in path.read_text(encoding="utf-8").strip().splitlines()]
        if lines and not all(is_number(v) for v in lines[0]):
            lines = lines[1:]  # a header row
        return np.array([[float(v) for v in row] for row in lines], dtype=np.float32)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInputError(
            f"Codes file '{path.name}' is neither a numeric .npy nor a numeric CSV ({exc})."
        ) from None


def run_decode(args) -> int:
    from .. import load_model
    from ..imaging import image_grid, png_bytes, upscale_for_display

    model = load_model(args.model)
    if args.codes is not None:
        z = read_codes(args.codes)
    else:
        if not 1 <= args.random <= 10_000:
            raise InvalidInputError(f"--random {args.random} is out of range; decode between 1 and 10000 codes.")
        z = np.random.default_rng(args.seed).standard_normal((args.random, model.latent_dim)).astype(np.float32)
    images = model.decode(z)
    scale = args.scale or upscale_for_display(model.image_shape[0])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png_bytes(image_grid(images, args.cols, pad=1), scale))
    print(f"wrote {len(images)} decoded images to {args.out}")
    return 0
