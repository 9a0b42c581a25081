"""``smemu stop NAME``: StopTrainingJob (or StopHyperParameterTuningJob) for a job running in
another smemu process."""

from __future__ import annotations

import sys

from smemu.commands._jobs import add_jobs_root, load_record, store_from
from smemu.emulator.tuning.store import TuningJobNotFound, TuningStore


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "stop", help="stop a running training job",
        description="Stop a training job (StopTrainingJob): the container gets SIGTERM, then "
                    "SIGKILL after 120 seconds; the job ends Stopped with its artifacts uploaded.")
    parser.add_argument("name", help="the TrainingJobName (or HyperParameterTuningJobName: its "
                                     "running training jobs are stopped and no more start)")
    add_jobs_root(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    store = store_from(args)
    if not store.exists(args.name):
        tunings = TuningStore(store)
        try:
            status = tunings.load(args.name)["HyperParameterTuningJobStatus"]
        except TuningJobNotFound:
            status = None
        if status is not None:
            if status not in ("InProgress", "Stopping"):
                print(f"smemu: ValidationException: The tuning job status is {status}; only a "
                      "tuning job that is InProgress can be stopped.", file=sys.stderr)
                return 1
            tunings.request_stop(args.name)
            print(f"Stopping hyperparameter tuning job {args.name}.")
            return 0
    record = load_record(store, args.name)
    if record is None:
        return 1
    if record["TrainingJobStatus"] not in ("InProgress", "Stopping"):
        print(f"smemu: ValidationException: The job status is {record['TrainingJobStatus']}; only "
              "a job that is InProgress can be stopped.", file=sys.stderr)
        return 1
    store.request_stop(args.name)
    print(f"Stopping training job {args.name}.")
    return 0
