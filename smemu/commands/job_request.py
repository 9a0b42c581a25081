"""The CreateTrainingJob request a command line describes: ``--job FILE`` (the JSON ``aws sagemaker
create-training-job --cli-input-json`` takes), or the flags that build one. ``smemu train`` runs
it, ``smemu validate`` checks it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from smemu.emulator.api.shared import DEFAULT_ACCOUNT
from smemu.emulator.image_names import algorithm_for_image

DEFAULT_ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/smemu-local"
CHANNEL_KEYS = {
    "content-type": "ContentType", "input-mode": "InputMode", "compression": "CompressionType",
    "record-wrapper": "RecordWrapperType", "data-type": "S3DataType",
    "distribution": "S3DataDistributionType", "shuffle-seed": "Seed",
    "attribute-names": "AttributeNames",
}


class UsageError(Exception):
    pass


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
                             "[,data-type=ManifestFile|AugmentedManifestFile]"
                             "[,attribute-names=source-ref|class][,record-wrapper=RecordIO]"
                             "[,shuffle-seed=N]"
                             "[,distribution=FullyReplicated|ShardedByS3Key]; repeat for more "
                             "channels")
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


def _default_distribution(algorithm: str | None, channel: str) -> str:
    """What a flag-built channel's S3DataDistributionType is when ``distribution=`` is not
    given: the first (for most channels FullyReplicated; the only one, where the algorithm's
    channel takes one type only) its descriptor lists."""
    from smemu.algorithms.registry import descriptors
    descriptor = descriptors().get(algorithm) if algorithm else None
    rule = descriptor.channel(channel) if descriptor is not None else None
    return rule.distributions[0] if rule is not None else "FullyReplicated"


def channel_from_flag(text: str, algorithm: str | None = None) -> dict:
    name, sep, rest = text.partition("=")
    if not sep or not name:
        raise UsageError(f"--channel {text!r} must start with NAME=URI, e.g. train=file://data/.")
    uri, _, options = rest.partition(",")
    opts = split_pairs(options, "channel option") if options else {}
    unknown = [k for k in opts if k not in CHANNEL_KEYS]
    if unknown:
        raise UsageError(f"unknown channel option {unknown[0]!r}; known: {', '.join(CHANNEL_KEYS)}.")
    s3 = {"S3DataType": opts.get("data-type", "S3Prefix"), "S3Uri": uri,
          "S3DataDistributionType": opts.get("distribution") or _default_distribution(algorithm, name)}
    if "attribute-names" in opts:     # an augmented manifest's attributes, '|'-separated
        s3["AttributeNames"] = [n for n in opts["attribute-names"].split("|") if n]
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
        base = algorithm = algorithm_for_image(args.algorithm)
    except ValueError:
        base, algorithm = "training-job", None     # the spec check reports the unknown image
    return {
        "TrainingJobName": args.name or timestamped(base),
        "AlgorithmSpecification": {"TrainingImage": args.algorithm,
                                   "TrainingInputMode": args.input_mode},
        "RoleArn": DEFAULT_ROLE,
        "HyperParameters": hyperparameters,
        "InputDataConfig": [channel_from_flag(c, algorithm) for c in args.channel],
        "OutputDataConfig": {"S3OutputPath": args.output},
        "ResourceConfig": {"InstanceType": args.instance_type, "InstanceCount": 1,
                           "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": args.max_runtime},
    }
