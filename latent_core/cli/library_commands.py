"""CLI subcommands for the library: `library list|show|export|gc`.

The library is the one LATENT_EXPLORER_HOME and LATENT_EXPLORER_DB name (see Settings); a workspace
is named by its token, the `w` in the app's link.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..errors import InvalidInputError

DATASET_PREFIX = "data-"


def register(subparsers) -> None:
    library = subparsers.add_parser("library", help="the saved workspaces: list, show, export, gc")
    commands = library.add_subparsers(dest="library_command", required=True, metavar="ACTION")

    listing = commands.add_parser("list", help="a workspace's datasets and models, as a table")
    listing.add_argument("--workspace", required=True, metavar="TOKEN", help="the workspace's token (w= in its link)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(run=run_list)

    show = commands.add_parser("show", help="everything recorded about one dataset or model, as JSON")
    show.add_argument("--workspace", required=True, metavar="TOKEN")
    show.add_argument("key", help="data-<n>, run-<n> or checkpoint-<n>")
    show.set_defaults(run=run_show)

    export = commands.add_parser("export", help="a model as a checkpoint .zip, or a dataset as its .npz")
    export.add_argument("--workspace", required=True, metavar="TOKEN")
    export.add_argument("key", help="data-<n>, run-<n> or checkpoint-<n>")
    export.add_argument("--out", required=True, type=Path, help="the file to write (run.zip, data.npz)")
    export.set_defaults(run=run_export)

    gc = commands.add_parser("gc", help="remove idle workspaces and files nothing refers to")
    gc.add_argument(
        "--idle-days", type=int, metavar="N", help="remove workspaces unused for more than N days (default: settings)"
    )
    gc.set_defaults(run=run_gc)


def open_library():
    from ..library import Library

    return Library()


def record_of(library, token: str, key: str):
    """The dataset or model `key` names; InvalidInputError when the workspace has none by that name."""
    library.datasets(token)  # a bad or unknown token says so before the key is looked at
    return library.dataset(token, key) if key.startswith(DATASET_PREFIX) else library.model(token, key)


def plain(record) -> dict:
    """A record as JSON-ready values (dates as ISO text, paths as text)."""
    return {
        k: v.isoformat() if hasattr(v, "isoformat") else str(v) if isinstance(v, Path) else v
        for k, v in asdict(record).items()
    }


def number(value, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def run_list(args) -> int:
    with open_library() as library:
        data, models = library.datasets(args.workspace), library.models(args.workspace)
        usage = library.usage(args.workspace)
    if args.json:
        print(json.dumps({"datasets": [plain(r) for r in data], "models": [plain(r) for r in models], "bytes": usage}))
        return 0
    rows = [("key", "name", "kind", "size", "data", "val loss", "created")]
    for r in data:
        rows.append(
            (
                r.key,
                r.name,
                r.kind,
                f"{r.size:,} x {'x'.join(map(str, r.shape))}",
                "",
                "",
                f"{r.created:%Y-%m-%d %H:%M}",
            )
        )
    for r in models:
        detail = f"{r.kind} z={r.latent_dim}" + ("" if r.beta is None else f" β={r.beta:g}") + f" {r.epochs} ep"
        rows.append(
            (r.key, r.name, detail, "", r.dataset_name or "", number(r.val_loss), f"{r.created:%Y-%m-%d %H:%M}")
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print(f"{len(data)} datasets, {len(models)} models, {usage:,} bytes")
    return 0


def run_show(args) -> int:
    with open_library() as library:
        print(json.dumps(plain(record_of(library, args.workspace, args.key)), indent=2))
    return 0


def run_export(args) -> int:
    with open_library() as library:
        record = record_of(library, args.workspace, args.key)
        if args.key.startswith(DATASET_PREFIX):
            library.export_dataset(args.workspace, record.key, args.out)
        else:
            library.export_model(args.workspace, record.key, args.out)
    print(f"wrote {args.out}")
    return 0


def run_gc(args) -> int:
    if args.idle_days is not None and args.idle_days < 0:
        raise InvalidInputError(f"--idle-days must be 0 or more, not {args.idle_days}.")
    with open_library() as library:
        counts = library.gc(args.idle_days)
    print("removed: " + ", ".join(f"{value:,} {name}" for name, value in counts.items()))
    return 0
