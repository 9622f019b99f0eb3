"""CLI subcommand `evaluate`: a model's held-out figures (likelihood, KL per dimension, disentanglement)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import InvalidInputError


def register(subparsers) -> None:
    evaluate = subparsers.add_parser(
        "evaluate",
        help="measure a model on held-out images: ELBO, IWAE bound on -log p(x), active dimensions, "
        "reconstruction error and, for data with known factors, MIG/DCI/SAP",
    )
    evaluate.add_argument("--model", required=True, help="shipped name or checkpoint folder (or .zip)")
    evaluate.add_argument("--dataset", required=True, help="built-in name (digits, shapes, mnist, ...) or a path")
    evaluate.add_argument(
        "-k", type=int, default=100, help="importance samples per image for the IWAE bound (1-10000). Default: 100"
    )
    evaluate.add_argument(
        "--binarize", action="store_true", help="threshold pixels at 0.5, as the binarised-MNIST literature does"
    )
    evaluate.add_argument(
        "--max-images",
        type=int,
        default=1000,
        help="evaluate at most this many held-out images (a seeded sample). Default: 1000",
    )
    evaluate.add_argument("--seed", type=int, default=0, help="seeds the image sample and the draws. Default: 0")
    evaluate.add_argument(
        "--no-factors", action="store_true", help="skip disentanglement scores even when the data has known factors"
    )
    evaluate.add_argument(
        "--save", action="store_true", help="write metrics.json (and the model card's table) into the checkpoint folder"
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    evaluate.set_defaults(run=run_evaluate)


def checkpoint_folder(name_or_path: str) -> Path:
    """The folder --save writes into: a shipped model's, or the given checkpoint folder (not a zip)."""
    from ..checkpoint.discovery import shipped_dir, shipped_models

    folder = shipped_dir() / name_or_path if name_or_path in shipped_models() else Path(name_or_path)
    if not folder.is_dir():
        raise InvalidInputError(f"--save writes metrics.json into a checkpoint folder; '{name_or_path}' is not one.")
    return folder


def run_evaluate(args) -> int:
    from tqdm import tqdm

    from .. import evaluate, load_model
    from ..checkpoint.card import metrics_lines
    from ..checkpoint.format import write_metrics
    from . import open_dataset

    folder = checkpoint_folder(args.model) if args.save else None
    model, dataset = load_model(args.model), open_dataset(args.dataset)
    bar_format = "{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}] {postfix}"
    with tqdm(total=1.0, desc="evaluating", file=sys.stderr, leave=False, bar_format=bar_format) as bar:

        def on_progress(fraction: float, message: str) -> None:
            bar.n = fraction
            bar.set_postfix_str(message)

        result = evaluate(
            model,
            dataset,
            k=args.k,
            binarize=args.binarize,
            max_images=args.max_images,
            seed=args.seed,
            factors=not args.no_factors,
            on_progress=on_progress,
        )
    figures = result.to_dict()
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"model '{model.name}' ({model.kind}, {model.latent_dim} latent dimensions)")
        print("\n".join(metrics_lines(figures)[2:]))
        for note in result.factor_notes:
            print(f"- {note}")
    if folder is not None:
        path = write_metrics(folder, result)
        print(f"saved {path}", file=sys.stderr)
    return 0
