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
    kind, status, request_stop = _target(store_from(args), args.name)
    if kind is None:
        return 1
    if status not in ("InProgress", "Stopping"):
        print(f"smemu: ValidationException: The job status is {status}; only a job that is "
              "InProgress can be stopped.", file=sys.stderr)
        return 1
    request_stop(args.name)
    print(f"Stopping {kind} {args.name}.")
    return 0


def _target(store, name: str):
    """(what the job is, its status, the function that asks its process to stop it), or Nones
    after telling the user there is no such job."""
    if not store.exists(name):
        tunings = TuningStore(store)
        try:
            status = tunings.load(name)["HyperParameterTuningJobStatus"]
            return "hyperparameter tuning job", status, tunings.request_stop
        except TuningJobNotFound:
            pass
    record = load_record(store, name)
    if record is None:
        return None, None, None
    return "training job", record["TrainingJobStatus"], store.request_stop
