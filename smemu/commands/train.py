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
import json
import sys
from pathlib import Path

from smemu.commands._jobs import add_jobs_root, store_from
from smemu.emulator import supervision
from smemu.emulator.backends import backend_names, get_backend
from smemu.emulator.images import algorithm_for_image
from smemu.emulator.runner import run_job
from smemu.emulator.spec import SpecError, TrainingJobSpec
from smemu.emulator.staging import is_local, local_path
from smemu.emulator.store import JobExists, StoreFull
from smemu.progress import Progress

DEFAULT_ROLE = "arn:aws:iam::000000000000:role/smemu-local"
CHANNEL_KEYS = {
    "content-type": "ContentType", "input-mode": "InputMode", "compression": "CompressionType",
    "record-wrapper": "RecordWrapperType", "data-type": "S3DataType",
    "distribution": "S3DataDistributionType", "shuffle-seed": "Seed",
}


class UsageError(Exception):
    pass


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


def add_job_arguments(parser) -> None:
    """The flags that describe a job (``--job FILE`` or the flags that build one); ``smemu
    validate`` takes the same."""
    parser.add_argument("--job", metavar="FILE",
                        help="a CreateTrainingJob request as JSON (aws sagemaker "
                             "create-training-job --cli-input-json takes the same)")
    parser.add_argument("--name", help="the TrainingJobName (must not be in use)")
    parser.add_argument("--algorithm", metavar="IMAGE",
                        help="short name (kmeans, linear-learner) or the built-in image URI")
    parser.add_argument("--channel", action="append", default=[], metavar="SPEC",
                        help="NAME=URI[,content-type=...][,input-mode=File|Pipe][,compression=Gzip]"
                             "[,data-type=ManifestFile][,record-wrapper=RecordIO][,shuffle-seed=N]"
                             "; repeat for more channels")
    parser.add_argument("--hyperparameters", action="append", default=[], metavar="K=V,...",
                        help="hyperparameters, e.g. k=10,feature_dim=50 (repeatable)")
    parser.add_argument("--input-mode", default="File", choices=("File", "Pipe", "FastFile"))
    parser.add_argument("--output", metavar="URI", help="S3OutputPath (file://, a path or s3://)")
    parser.add_argument("--instance-type", default="ml.m5.xlarge")
    parser.add_argument("--max-runtime", type=int, default=86400, metavar="SECONDS",
                        help="StoppingCondition.MaxRuntimeInSeconds (default 86400)")


def request_from_args(args) -> tuple[dict, str | None]:
    """The CreateTrainingJob request ``add_job_arguments``' flags describe, and the directory
    relative paths in it are read against. Raises UsageError."""
    if args.job:
        mixed = [flag for flag, value in (("--algorithm", args.algorithm),
                 ("--channel", args.channel), ("--hyperparameters", args.hyperparameters),
                 ("--output", args.output)) if value]
        if mixed:
            raise UsageError(f"{', '.join(mixed)} cannot be combined with --job: edit the job "
                             "file, or build the whole job from flags.")
        request = load_job_file(args.job)
        if args.name:
            request["TrainingJobName"] = args.name
        return request, str(Path(args.job).resolve().parent)
    return request_from_flags(args), None


def timestamped(base: str) -> str:
    """``base-YYYY-MM-DD-HH-MM-SS-mmm`` within 63 characters, as the SageMaker SDK names jobs."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d-%H-%M-%S-%f")[:-3]
    return f"{base[:63 - len(stamp) - 1].rstrip('-')}-{stamp}"


def load_job_file(path: str) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the job file {path}: {exc.strerror}.") from None
    except UnicodeDecodeError as exc:
        line = Path(path).read_bytes()[:exc.start].count(b"\n") + 1
        raise UsageError(f"the job file {path} is not UTF-8 text: byte {exc.object[exc.start]:#04x} "
                         f"at line {line} (offset {exc.start}). Save it as UTF-8 JSON.") from None
    try:
        request = json.loads(text)
    except RecursionError:
        raise UsageError(f"the job file {path} nests JSON too deeply to read; a CreateTrainingJob "
                         "request nests a few levels.") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"the job file {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}. It must hold a CreateTrainingJob request, as `aws sagemaker "
            "create-training-job --generate-cli-skeleton` shows.") from None
    if not isinstance(request, dict):
        raise UsageError(f"the job file {path} must hold a JSON object (a CreateTrainingJob "
                         "request), not a JSON " + type(request).__name__ + ".")
    return request


def split_pairs(text: str, what: str) -> dict[str, str]:
    """``a=1,b=["x","y"]`` -> {"a": "1", "b": '["x","y"]'}; commas inside brackets/quotes stay."""
    parts, depth, quote, current = [], 0, None, []
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{(":
            depth += 1
        elif ch in "]})":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    out = {}
    for part in parts:
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{what} {part!r} is not KEY=VALUE.")
        out[key.strip()] = value.strip()
    return out


def channel_from_flag(text: str, input_mode: str) -> dict:
    name, sep, rest = text.partition("=")
    if not sep or not name:
        raise UsageError(f"--channel {text!r} must start with NAME=URI, e.g. train=file://data/.")
    uri, _, options = rest.partition(",")
    opts = split_pairs(options, "channel option") if options else {}
    unknown = [k for k in opts if k not in CHANNEL_KEYS]
    if unknown:
        raise UsageError(f"unknown channel option {unknown[0]!r}; known: {', '.join(CHANNEL_KEYS)}.")
    s3 = {"S3DataType": opts.get("data-type", "S3Prefix"), "S3Uri": uri,
          "S3DataDistributionType": opts.get("distribution", "FullyReplicated")}
    channel: dict = {"ChannelName": name, "DataSource": {"S3DataSource": s3}}
    for key, member in (("content-type", "ContentType"), ("compression", "CompressionType"),
                        ("record-wrapper", "RecordWrapperType"), ("input-mode", "InputMode")):
        if key in opts:
            channel[member] = opts[key]
    if "shuffle-seed" in opts:
        try:
            channel["ShuffleConfig"] = {"Seed": int(opts["shuffle-seed"])}
        except ValueError:
            raise UsageError(f"shuffle-seed must be an integer, not {opts['shuffle-seed']!r}.") from None
    return channel


def request_from_flags(args) -> dict:
    if not args.algorithm:
        raise UsageError("give --job FILE, or --algorithm with --channel, --hyperparameters "
                         "and --output.")
    if not args.output:
        raise UsageError("--output is required with --algorithm: where model.tar.gz goes "
                         "(e.g. --output file://out/).")
    if not args.channel:
        raise UsageError("--channel is required with --algorithm, e.g. --channel "
                         "train=file://data/,content-type=text/csv.")
    hyperparameters: dict[str, str] = {}
    for text in args.hyperparameters:
        hyperparameters.update(split_pairs(text, "hyperparameter"))
    try:
        base = algorithm_for_image(args.algorithm)
    except ValueError:
        base = "training-job"          # the spec check reports the unknown image
    return {
        "TrainingJobName": args.name or timestamped(base),
        "AlgorithmSpecification": {"TrainingImage": args.algorithm,
                                   "TrainingInputMode": args.input_mode},
        "RoleArn": DEFAULT_ROLE,
        "HyperParameters": hyperparameters,
        "InputDataConfig": [channel_from_flag(c, args.input_mode) for c in args.channel],
        "OutputDataConfig": {"S3OutputPath": args.output},
        "ResourceConfig": {"InstanceType": args.instance_type, "InstanceCount": 1,
                           "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": args.max_runtime},
    }


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
