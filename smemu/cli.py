"""The ``smemu`` command line. Each subcommand lives in its own module under ``smemu.commands``
with ``register(subparsers)``, which adds its parser and sets ``func`` to a function taking the
parsed arguments and returning the exit code."""

from __future__ import annotations

import argparse
import sys

from smemu import __version__
from smemu.commands._process import guard_streams, interrupt_on_termination
from smemu.commands import (build_images, console, convert, describe, inspect, list_jobs, serve,
                            server, stop, train, transform, tune, validate)

# one entry per subcommand module; the module's register() names the subcommand(s)
COMMAND_MODULES = [train, describe, list_jobs, stop, inspect, convert, serve, build_images, server,
                   validate, transform, tune, console]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smemu",
        description="Run SageMaker built-in algorithm training jobs locally, as SageMaker would.")
    parser.add_argument("--version", action="version", version=f"smemu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
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
