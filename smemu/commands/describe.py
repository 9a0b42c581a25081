"""``smemu describe NAME``: a training job as DescribeTrainingJob reports it, or a hyperparameter
tuning job as DescribeHyperParameterTuningJob reports it."""

from __future__ import annotations

import json
import sys

from smemu.commands._jobs import add_jobs_root, load_record, readable, store_from
from smemu.emulator.tuning.store import TuningJobNotFound, TuningStore


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "describe", help="show a training or tuning job as Describe*Job reports it",
        description="Print a training job's record (the DescribeTrainingJob response) or a "
                    "hyperparameter tuning job's (DescribeHyperParameterTuningJob) as JSON.")
    parser.add_argument("name", help="the TrainingJobName or HyperParameterTuningJobName")
    parser.add_argument("--logs", action="store_true", help="print the job's log lines instead")
    add_jobs_root(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    store = store_from(args)
    if not store.exists(args.name):
        try:
            print(json.dumps(readable(TuningStore(store).describe(args.name)), indent=4))
            return 0
        except TuningJobNotFound:
            pass
    record = load_record(store, args.name)
    if record is None:
        return 1
    if args.logs:
        path = store.log_path(args.name)
        if path.exists():
            sys.stdout.write(path.read_text(encoding="utf-8", errors="replace"))
        return 0
    print(json.dumps(readable(record), indent=4))
    return 0
