"""``smemu stop NAME``: StopTrainingJob for a job running in another smemu process."""

from __future__ import annotations

import sys

from smemu.commands._jobs import add_jobs_root, load_record, store_from


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "stop", help="stop a running training job",
        description="Stop a training job (StopTrainingJob): the container gets SIGTERM, then "
                    "SIGKILL after 120 seconds; the job ends Stopped with its artifacts uploaded.")
    parser.add_argument("name", help="the TrainingJobName")
    add_jobs_root(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    store = store_from(args)
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
