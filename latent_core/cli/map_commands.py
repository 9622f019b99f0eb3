"""CLI subcommands for latent maps: project, grid, interpolate."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from ..errors import InvalidInputError
from ..projection import ProjectionConfig
from .cluster_commands import add_project_flags, refuse_cluster_flags, run_project_parquet
from .flags import add_config_flags, config_from_args
from .model_commands import encoded


def add_source(parser) -> None:
    parser.add_argument("--model", required=True, help="shipped name or checkpoint folder")
    parser.add_argument("--dataset", required=True, help="built-in name (digits, shapes, mnist, ...) or a path")


def add_map(parser, skip: tuple[str, ...] = ()) -> None:
    add_config_flags(parser, ProjectionConfig, skip)
    parser.add_argument(
        "--no-cache", action="store_true", help="always fit; by default maps are cached in $LATENT_EXPLORER_CACHE"
    )


def register(subparsers) -> None:
    project = subparsers.add_parser(
        "project",
        help="project a dataset's latent codes to 2-D/3-D map coordinates (.csv or .npz), "
        "or a codes Parquet on a cluster (--codes, .parquet)",
    )
    project.add_argument("--model", help="shipped name or checkpoint folder (with --dataset)")
    project.add_argument("--dataset", help="built-in name (digits, shapes, mnist, ...) or a path (with --model)")
    add_project_flags(project)
    add_map(project)
    project.add_argument(
        "--out",
        required=True,
        type=Path,
        help=".csv (x,y[,z],label rows) or .npz (embedding, labels); .parquet with --codes",
    )
    project.set_defaults(run=run_project)

    grid = subparsers.add_parser("grid", help="decode a grid of images over a 2-D map to a PNG")
    add_source(grid)
    add_map(grid, skip=("dims",))
    grid.add_argument("--rows", type=int, default=20)
    grid.add_argument("--cols", type=int, default=20)
    grid.add_argument(
        "--bounds", type=float, nargs=4, metavar=("X_MIN", "X_MAX", "Y_MIN", "Y_MAX"), help="default: the whole map"
    )
    grid.add_argument("--scale", type=int, default=1, help="enlarge each pixel this many times")
    grid.add_argument("--out", required=True, type=Path, help="PNG file to write")
    grid.set_defaults(run=run_grid)

    between = subparsers.add_parser(
        "interpolate", help="decode the path between two dataset images to a PNG strip or a GIF"
    )
    add_source(between)
    between.add_argument("--start", type=int, required=True, help="index of the first image in the dataset")
    between.add_argument("--end", type=int, required=True, help="index of the last image in the dataset")
    between.add_argument("--steps", type=int, default=10, help="images in the path, both ends included")
    between.add_argument("--mode", default="slerp", choices=["linear", "slerp"])
    between.add_argument(
        "--scale", type=int, default=0, help="enlarge each pixel this many times (default: about 96 px per image)"
    )
    between.add_argument("--out", required=True, type=Path, help=".png (a strip) or .gif (an animation)")
    between.set_defaults(run=run_interpolate)


def check_suffix(path: Path, allowed: tuple[str, ...]) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise InvalidInputError(f"Output '{path}' must end in {' or '.join(allowed)}.")
    return suffix


def check_scale(scale: int, low: int = 1) -> int:
    if not low <= scale <= 32:
        raise InvalidInputError(f"--scale {scale} is out of range; use {low} to 32.")
    return scale


def projected(codes: np.ndarray, config: ProjectionConfig, args):
    from tqdm import tqdm

    from .. import fit_projection

    bar_format = "{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}] {postfix}"
    with tqdm(
        total=100, desc=f"{config.method} map", file=sys.stderr, bar_format=bar_format, dynamic_ncols=True, leave=False
    ) as bar:

        def on_progress(fraction: float, message: str) -> None:
            bar.update(round(100 * fraction) - bar.n)
            bar.set_postfix_str(message)

        return fit_projection(codes, config, on_progress=on_progress, cache=not args.no_cache)


def run_project(args) -> int:
    if args.codes is not None:
        return run_project_parquet(args)
    refuse_cluster_flags(args, "--codes")
    if not (args.model and args.dataset):
        raise InvalidInputError("project needs --model and --dataset, or --codes (a codes Parquet).")
    suffix = check_suffix(args.out, (".csv", ".npz"))
    config = config_from_args(ProjectionConfig, args).validate()
    _, dataset, codes = encoded(args.model, args.dataset)
    projection = projected(codes, config, args)
    labels = dataset.labels
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".npz":
        np.savez(args.out, embedding=projection.embedding, **({} if labels is None else {"labels": labels}))
    else:
        header = ",".join("xyz"[: config.dims]) + ("" if labels is None else ",label")
        columns = [projection.embedding] + ([] if labels is None else [labels[:, None]])
        rows = np.concatenate([c.astype(np.float64) for c in columns], axis=1)
        formats = ["%.6g"] * config.dims + ([] if labels is None else ["%d"])
        np.savetxt(args.out, rows, delimiter=",", header=header, comments="", fmt=formats)
    quality = projection.quality()
    print(f"wrote {len(codes)} {config.dims}-D {config.method} coordinates to {args.out}")
    print(
        f"trustworthiness@10 {quality['trustworthiness']:.4f}, kNN recall@10 {quality['knn_recall']:.4f}, "
        f"inverse relative L2 error {quality['inverse_error']:.4f} (held-out {quality['holdout_size']} points)"
    )
    return 0


def run_grid(args) -> int:
    from ..analysis import check_bounds, check_grid_shape, manifold_grid
    from ..imaging import image_grid, png_bytes

    check_suffix(args.out, (".png",))
    scale = check_scale(args.scale)
    check_grid_shape(args.rows, args.cols)
    if args.bounds is not None:
        check_bounds(args.bounds)
    config = config_from_args(ProjectionConfig, args, dims=2).validate()
    model, _, codes = encoded(args.model, args.dataset)
    projection = projected(codes, config, args)
    images, confidence = manifold_grid(model, projection, args.bounds, args.rows, args.cols, return_confidence=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png_bytes(image_grid(images, pad=1), scale))
    low = int((confidence < 0.5).sum())
    print(
        f"wrote a {args.rows}x{args.cols} grid of decoded images to {args.out}; "
        f"{low} lie far from any data (confidence < 0.5)"
    )
    return 0


def run_interpolate(args) -> int:
    from .. import interpolate, load_model
    from ..imaging import gif_bytes, image_grid, png_bytes, upscale_for_display
    from . import open_dataset

    suffix = check_suffix(args.out, (".png", ".gif"))
    model, dataset = load_model(args.model), open_dataset(args.dataset)
    scale = check_scale(args.scale or upscale_for_display(model.image_shape[0]))
    for name, index in (("--start", args.start), ("--end", args.end)):
        if not 0 <= index < len(dataset):
            raise InvalidInputError(f"{name} {index} is not an image of '{dataset.name}'; use 0 to {len(dataset) - 1}.")
    ends = model.encode(dataset.images[[args.start, args.end]])
    images = model.decode(interpolate(ends[0], ends[1], args.steps, args.mode))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    data = (
        png_bytes(image_grid(images, cols=len(images), pad=1), scale) if suffix == ".png" else gif_bytes(images, scale)
    )
    args.out.write_bytes(data)
    print(f"wrote {len(images)} {args.mode} steps from image {args.start} to image {args.end} to {args.out}")
    return 0
