"""``smemu train``: run a training job locally, from a CreateTrainingJob JSON file or from flags.

``smemu train --job job.json`` takes the JSON ``aws sagemaker create-training-job --cli-input-json``
takes. Relative paths and ``file://`` URIs in it are read relative to the job file's directory.

``smemu train --algorithm kmeans --channel 'train=file://data/,content-type=text/csv;label_size=0'
--hyperparameters k=10,feature_dim=50 --input-mode Pipe --output file://out/`` builds the same
request from flags (relative paths against the current directory).

Job names: SageMaker rejects a name already used. ``--name NAME`` behaves that way. Without
``--name``, a job file's name that is already taken gets a timestamp suffix, as the SageMaker Python
SDK names its jobs (``kmeans-example-2026-11-25-19-30-02-123``), so the same job file can be run
again; flag-built jobs are always named ``<algorithm>-<timestamp>``.
"""

from __future__ import annotations

import datetime as dt
import sys

from smemu.commands._jobs import add_jobs_root, store_from
from smemu.commands.job_request import (UsageError, add_job_arguments, request_from_args,
                                        timestamped)
from smemu.emulator import supervision
from smemu.emulator.backends import backend_names, get_backend
from smemu.emulator.runner import run_job
from smemu.emulator.spec import SpecError, TrainingJobSpec
from smemu.emulator.staging import is_local, local_path
from smemu.emulator.store import JobExists, StoreFull
from smemu.progress import Progress


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="run a training job locally",
        description="Run a SageMaker built-in algorithm training job locally.",
        epilog="Either --job FILE, or --algorithm with --channel, --hyperparameters and --output.")
    add_job_arguments(parser)
    parser.add_argument("--backend", default="process", choices=backend_names(),
                        help="run the container as a local process (default) or in Docker")
    parser.add_argument("--quiet", action="store_true", help="do not stream the job's log lines")
    add_jobs_root(parser)
    parser.set_defaults(func=run)


def _status_printer(stream):
    def show(record):
        transition = record["SecondaryStatusTransitions"][-1]
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        print(f"{stamp} {transition['Status']} - {transition['StatusMessage']}", file=stream,
              flush=True)
    return show


def _where(uri: str) -> str:
    return str(local_path(uri)) if is_local(uri) else uri


def run(args) -> int:
    err = sys.stderr
    try:
        request, base_dir = request_from_args(args)
        spec = TrainingJobSpec.from_request(request, base_dir=base_dir)
    except UsageError as exc:
        print(f"smemu train: {exc}", file=err)
        return 2
    except SpecError as exc:
        print(f"smemu train: {exc}", file=err)
        return 2

    store = store_from(args)
    for what in supervision.reap_orphans():
        print(f"smemu train: ended the {what} a stopped smemu process left running.", file=err)
    if args.job and not args.name and store.exists(spec.name):
        original = spec.name
        request["TrainingJobName"] = timestamped(original)
        spec = TrainingJobSpec.from_request(request, base_dir=base_dir)
        print(f"smemu train: the training job name '{original}' is already used; running this "
              f"job as '{spec.name}' (pass --name to choose one).", file=err)

    options = dict(store=store, backend=get_backend(args.backend),
                   on_status=_status_printer(err),
                   progress=lambda total, label: Progress(total, label))
    if not args.quiet:
        options["on_log"] = lambda line: print(line, flush=True)
    print(f"Training job {spec.name} ({spec.algorithm}, {spec.input_mode} mode) - records in "
          f"{store.job_dir(spec.name)}", file=err, flush=True)
    try:
        record = run_job(spec, **options)
    except JobExists as exc:
        print(f"smemu train: ResourceInUse: {exc}", file=err)
        return 1
    except StoreFull as exc:
        print(f"smemu train: {exc.strerror}", file=err)
        return 1
    return report(record, err)


def report(record: dict, err) -> int:
    name = record["TrainingJobName"]
    status = record["TrainingJobStatus"]
    artifact = (record.get("ModelArtifacts") or {}).get("S3ModelArtifacts")
    metrics = ", ".join(f"{m['MetricName']}={m['Value']:g}" for m in record.get("FinalMetricDataList", []))
    if metrics:
        print(f"Final metrics: {metrics}", file=err)
    if status == "Completed":
        print(f"Training job {name} completed. Model artifact: {_where(artifact)}", file=err)
        return 0
    if artifact:
        print(f"Model artifact (uploaded for failed and stopped jobs too, as SageMaker does): "
              f"{_where(artifact)}", file=err)
    if status == "Stopped":
        why = record["SecondaryStatusTransitions"][-1]["StatusMessage"]
        print(f"Training job {name} stopped ({record['SecondaryStatus']}): {why}", file=err)
    else:
        print(f"Training job {name} failed: {record.get('FailureReason', 'unknown reason')}",
              file=err)
    return 1
