"""``smemu validate``: check a training job's inputs offline and report every problem.

``smemu validate --job job.json`` (or the flags ``smemu train`` takes) checks the request, the
hyperparameters, the channels and every record of every channel with the checks the job itself
makes (see :mod:`smemu.emulator.validation`), without training. Exit status 0 when the job would
start cleanly, 1 when it would not, 2 when the job cannot be read at all.
"""

from __future__ import annotations

import json
import os
import sys

from smemu.commands.job_request import UsageError, add_job_arguments, request_from_args
from smemu.progress import Progress


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="check a training job's inputs without training",
        description="Check a training job's request, hyperparameters, channels and every record "
                    "of its data, as the job would, and report every problem found.",
        epilog="Exit status: 0 when the job would start cleanly, 1 when it has problems, 2 when "
               "the job itself cannot be read.")
    add_job_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--max-errors", type=int, default=100, metavar="N",
                        help="stop after N problems (default 100; 0 = no limit)")
    parser.add_argument("--progress", action="store_true", default=None,
                        help="draw progress bars even when stderr is not a terminal")
    parser.set_defaults(func=run)


def run(args) -> int:
    # request validation reads the algorithms' data checks (numpy): imported here, not for --help
    from smemu.emulator.validation import problems_text, validate_request

    if not args.job and not args.output:
        args.output = "file://" + os.getcwd()   # validate writes nothing; the request needs one
    try:
        request, base_dir = request_from_args(args)
    except UsageError as exc:
        print(f"smemu validate: {exc}", file=sys.stderr)
        return 2

    def progress(total, label):
        return Progress.for_bytes(total, label, forced=args.progress)

    report = validate_request(request, base_dir=base_dir, max_errors=args.max_errors or None,
                              progress=progress)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for line in problems_text(report):
            print(line)
    return 0 if report.ok else 1
