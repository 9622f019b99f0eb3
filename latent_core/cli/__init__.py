"""`python -m latent_core` / `latent-core`: every engine feature from the shell.

Each module in this package registers its own subcommands; bad input exits with
status 2 and a one-line error instead of a traceback.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import InvalidInputError

COMMAND_MODULES = ("model_commands", "evaluate_commands", "map_commands", "library_commands", "replay_commands")


def open_dataset(source):
    """load_dataset for the CLI: a user's file also gets its LoadReport
    (value range, resizing, skipped files) on stderr."""
    from .. import load_dataset_with_report

    dataset, report = load_dataset_with_report(source)
    if report.kind != "built-in":
        print(report.summary(), file=sys.stderr)
    return dataset


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="latent-core", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{module}").register(subparsers)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except InvalidInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
