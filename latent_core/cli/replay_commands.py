"""CLI subcommands for ways of seeing a latent space: replay (the map over training as a GIF), analogy (a - b + c)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InvalidInputError


def register(subparsers) -> None:
    replay = subparsers.add_parser(
        "replay", help="the map over training of a run trained here, as an animated GIF (aligned PCA frames)"
    )
    replay.add_argument("--model", required=True, help="checkpoint folder of a run trained by latent-core or the app")
    replay.add_argument("--dataset", help="the dataset it was trained on, to colour the points by label")
    replay.add_argument("--size", type=int, default=360, help="picture side in pixels (120 to 1200)")
    replay.add_argument("--out", required=True, type=Path, help="GIF file to write")
    replay.set_defaults(run=run_replay)

    analogy = subparsers.add_parser("analogy", help="decode a - b + c of three dataset images or class means to a PNG")
    analogy.add_argument("--model", required=True, help="shipped name or checkpoint folder")
    analogy.add_argument("--dataset", required=True, help="built-in name (digits, shapes, mnist, ...) or a path")
    for role in ("a", "b", "c"):
        analogy.add_argument(
            f"--{role}", type=int, required=True, help=f"index of image {role} (a label with --classes)"
        )
    analogy.add_argument("--classes", action="store_true", help="a, b and c are labels: use their classes' mean codes")
    analogy.add_argument("--scale", type=int, default=0, help="enlarge each pixel this many times (default: ~96 px)")
    analogy.add_argument("--out", required=True, type=Path, help="PNG file to write: a, b, c, then a - b + c")
    analogy.set_defaults(run=run_analogy)


def run_replay(args) -> int:
    from .. import load_model, replay_gif
    from . import open_dataset

    if args.out.suffix.lower() != ".gif":
        raise InvalidInputError(f"Output '{args.out}' must end in .gif.")
    if not 120 <= args.size <= 1200:
        raise InvalidInputError(f"--size {args.size} is outside 120 to 1200 pixels.")
    model = load_model(args.model)
    recorded = model.training_map
    if recorded is None:
        raise InvalidInputError(
            f"Model '{model.name}' has no map over training: only runs trained by this version keep one "
            "(training_map.safetensors beside model.safetensors)."
        )
    labels = None
    if args.dataset:
        dataset = open_dataset(args.dataset)
        if dataset.fingerprint != model.config.get("dataset", {}).get("fingerprint"):
            raise InvalidInputError(
                f"Model '{model.name}' was trained on other images than '{dataset.name}'; give the dataset it was "
                "trained on, or leave --dataset out for uncoloured points."
            )
        labels = None if dataset.labels is None else dataset.labels[recorded.indices]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(replay_gif(recorded.aligned(), labels, recorded.frame_names(), size=args.size))
    print(f"wrote {recorded.frame_count} frames of {len(recorded.indices):,} images to {args.out}")
    return 0


def run_analogy(args) -> int:
    from .. import analogy, class_mean, load_model
    from ..imaging import image_grid, png_bytes, upscale_for_display
    from . import open_dataset

    if args.out.suffix.lower() != ".png":
        raise InvalidInputError(f"Output '{args.out}' must end in .png.")
    model, dataset = load_model(args.model), open_dataset(args.dataset)
    picked = []
    for role in ("a", "b", "c"):
        value = getattr(args, role)
        if args.classes:
            picked.append(class_mean(model, dataset, value))
            continue
        if not 0 <= value < len(dataset):
            raise InvalidInputError(
                f"--{role} {value} is not an image of '{dataset.name}'; use 0 to {len(dataset) - 1}."
            )
        picked.append(dataset.images[value])
    result = analogy(model, *picked)
    scale = args.scale or upscale_for_display(model.image_shape[0])
    if not 1 <= scale <= 64:
        raise InvalidInputError(f"--scale {scale} is outside 1 to 64.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png_bytes(image_grid(result.images, cols=4, pad=1), scale))
    print(f"wrote a, b, c and a - b + c decoded to {args.out}", file=sys.stdout)
    return 0
