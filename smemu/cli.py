"""The ``smemu`` command line. Each subcommand lives in its own module under ``smemu.commands``
with ``register(subparsers)``, which adds its parser and sets ``func`` to a function taking the
parsed arguments and returning the exit code."""

from __future__ import annotations

import argparse
import importlib
import sys

from smemu import __version__
from smemu.commands._process import guard_streams, interrupt_on_termination

# one line per subcommand module; the module's register() names the subcommand(s)
COMMAND_MODULES = [
    "smemu.commands.train",
    "smemu.commands.describe",
    "smemu.commands.list_jobs",
    "smemu.commands.stop",
    "smemu.commands.inspect",
    "smemu.commands.convert",
    "smemu.commands.serve",
    "smemu.commands.build_images",
    "smemu.commands.server",
    "smemu.commands.validate",
    "smemu.commands.transform",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smemu",
        description="Run SageMaker built-in algorithm training jobs locally, as SageMaker would.")
    parser.add_argument("--version", action="version", version=f"smemu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    guard_streams()
    interrupt_on_termination()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("smemu: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 141


if __name__ == "__main__":
    raise SystemExit(main())
