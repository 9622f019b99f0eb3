"""The cluster forms of `encode` and `project` (see latent_core.distributed): flags and runners.

`latent-core encode --data <folder|zip|.parquet|IDX> --model M --out codes.parquet [--scheduler tcp://...]
[--workers N] [--on-error skip|stop]` and `latent-core project --codes codes.parquet --method umap
--sample 50000 --out map.parquet`; the in-memory forms (--dataset) stay in model_commands and map_commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import InvalidInputError

SHOWN_PROBLEMS = 20


def add_cluster_flags(parser) -> None:
    group = parser.add_argument_group("cluster (with --data or --codes)")
    group.add_argument("--scheduler", help="a Dask scheduler's address (tcp://host:8786); default: a local cluster")
    group.add_argument("--workers", type=int, help="worker processes of the local cluster (default: CPUs, at most 4)")


def cluster_config(args):
    from ..distributed import ClusterConfig

    return ClusterConfig(args.scheduler, args.workers).validate()


def add_encode_flags(parser) -> None:
    add_cluster_flags(parser)
    parser.add_argument(
        "--on-error",
        default="skip",
        metavar="{skip,stop}",
        help="with --data: a corrupt image is reported by path and left out (skip), or stops the job (stop)",
    )
    parser.add_argument("--partition-size", type=int, default=2048, help="with --data: images per task")


def refuse_cluster_flags(args, form: str) -> None:
    """The cluster flags belong to the --data/--codes form only."""
    given = [flag for flag, value in (("--scheduler", args.scheduler), ("--workers", args.workers)) if value]
    if given:
        raise InvalidInputError(f"{' and '.join(given)} need {form}; the in-memory form runs in this process.")


def run_encode_parquet(args) -> int:
    from ..distributed import EncodeConfig, encode_to_parquet
    from .model_commands import progress_bar

    if args.out.suffix.lower() != ".parquet":
        raise InvalidInputError(f"Output '{args.out}' must end in .parquet when encoding with --data.")
    config = EncodeConfig(args.partition_size, args.on_error).validate()
    cluster = cluster_config(args)
    with progress_bar(0, "encoding") as bar:

        def on_progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)
            bar.set_postfix(img_s=f"{done / max(bar.format_dict['elapsed'], 1e-9):.0f}")

        result = encode_to_parquet(args.data, args.model, args.out, config, cluster, on_progress=on_progress)
    for name, reason in result.problems[:SHOWN_PROBLEMS]:
        print(f"skipped {name}: {reason}", file=sys.stderr)
    if len(result.problems) > SHOWN_PROBLEMS:
        print(f"skipped {len(result.problems) - SHOWN_PROBLEMS:,} more corrupt images", file=sys.stderr)
    if result.passed:
        print(f"passed over {len(result.passed):,} files that are not images", file=sys.stderr)
    print(
        f"wrote {result.rows:,} codes of dimension {result.latent_dim} to {args.out} "
        f"({result.images_per_s:,.0f} images/s; {len(result.problems):,} corrupt images skipped)"
    )
    return 0


def add_project_flags(parser) -> None:
    parser.add_argument(
        "--codes", type=Path, help="a codes Parquet from `encode --data`; the map is written as Parquet"
    )
    parser.add_argument("--sample", type=int, default=50_000, help="with --codes: codes the map is fitted on")
    add_cluster_flags(parser)


def run_project_parquet(args) -> int:
    from tqdm import tqdm

    from ..distributed import project_to_parquet
    from ..projection import ProjectionConfig
    from .flags import config_from_args

    if args.model or args.dataset:
        raise InvalidInputError("Give either --codes, or --model and --dataset, not both.")
    if args.out.suffix.lower() != ".parquet":
        raise InvalidInputError(f"Output '{args.out}' must end in .parquet when projecting --codes.")
    config = config_from_args(ProjectionConfig, args).validate()
    bar_format = "{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}] {postfix}"
    with tqdm(total=100, desc=f"{config.method} map", file=sys.stderr, bar_format=bar_format, leave=False) as bar:

        def on_progress(fraction: float, message: str) -> None:
            bar.update(round(100 * fraction) - bar.n)
            bar.set_postfix_str(message)

        result = project_to_parquet(
            args.codes,
            args.out,
            config,
            args.sample,
            cluster_config(args),
            on_progress=on_progress,
            cache=not args.no_cache,
        )
    quality = result.quality
    print(
        f"wrote {result.rows:,} {config.dims}-D {config.method} coordinates to {args.out} "
        f"(fitted on {result.sample:,} codes in {result.fit_seconds:.1f} s; {result.seconds:.1f} s in all)"
    )
    print(
        f"on the sample: trustworthiness@10 {quality['trustworthiness']:.4f}, "
        f"kNN recall@10 {quality['knn_recall']:.4f}, inverse relative L2 error {quality['inverse_error']:.4f}"
    )
    return 0
