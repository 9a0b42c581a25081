"""A training job as a CreateTrainingJob request describes it, validated as the API validates it.

Usage::

    from smemu.emulator.spec import TrainingJobSpec, SpecError
    try:
        spec = TrainingJobSpec.from_request(request_dict, base_dir="dir/of/the/job/file")
    except SpecError as exc:
        for problem in exc.problems:          # Problem(path="InputDataConfig[0].ChannelName", message=...)
            print(problem)
        exc.aws_message()                     # "2 validation errors detected: Value ... at 'inputDataConfig.1.member.channelName' ..."

The request is checked against botocore's own model of ``CreateTrainingJob`` (see
:mod:`smemu.emulator.api_model`) (unknown members,
required members, types, lengths, ranges, patterns, enums — what the service checks), then for what
smemu needs and emulates: a built-in algorithm image (:mod:`smemu.emulator.images`), S3 data sources
of type S3Prefix, ManifestFile or AugmentedManifestFile (Pipe mode), one instance. Every problem is reported with its field path.

Local URIs (``file://`` or plain paths, relative ones resolved against ``base_dir``) are accepted
wherever the API wants an ``s3://`` URI, and stored resolved (``file:///abs/path``) in
``spec.request``, which is what DescribeTrainingJob echoes.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from smemu import contract
from smemu.emulator import api_model, staging
from smemu.emulator import image_names as images
from smemu.emulator.request_shapes import Problem, value_text, aws_message, check_request

DEFAULT_MAX_RUNTIME = 86400
INPUT_MODES = ("File", "Pipe", "FastFile")


class SpecError(ValueError):
    """The request is not a valid CreateTrainingJob request (or asks what smemu cannot emulate)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        n = len(problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} with the training job request:\n{lines}")

    def aws_message(self) -> str:
        """A ValidationException message in the service's shape."""
        return aws_message(self.problems)


@dataclass
class ChannelSpec:
    name: str
    uri: str                          # resolved (file:///abs or s3://...)
    data_type: str = "S3Prefix"       # S3Prefix | ManifestFile | AugmentedManifestFile
    distribution: str = "FullyReplicated"
    content_type: str | None = None
    compression: str = "None"         # None | Gzip
    record_wrapper: str = "None"      # None | RecordIO
    input_mode: str = "File"          # effective mode: the channel's InputMode or the job's
    shuffle_seed: int | None = None
    attribute_names: tuple[str, ...] = ()   # AugmentedManifestFile: the attributes, in order

    @property
    def is_pipe(self) -> bool:
        return self.input_mode == "Pipe"

    def input_data_config(self) -> dict:
        """This channel's entry of ``inputdataconfig.json`` (key order as the platform writes it)."""
        entry: dict[str, str] = {}
        if self.content_type is not None:
            entry["ContentType"] = self.content_type
        entry["TrainingInputMode"] = self.input_mode
        entry["S3DistributionType"] = self.distribution
        entry["RecordWrapperType"] = self.record_wrapper
        return entry


@dataclass
class TrainingJobSpec:
    name: str
    algorithm: str                    # smemu.algorithms registry name
    image: str                        # what the user named (TrainingImage or AlgorithmName)
    input_mode: str
    hyperparameters: dict[str, str]
    channels: list[ChannelSpec]
    output_path: str                  # resolved S3OutputPath
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    max_runtime: int = DEFAULT_MAX_RUNTIME
    metric_definitions: list[dict] = field(default_factory=list)   # the user's own
    environment: dict[str, str] = field(default_factory=dict)
    request: dict = field(default_factory=dict)   # the whole request, URIs resolved

    @classmethod
    def from_request(cls, request: Any, base_dir: str | None = None) -> "TrainingJobSpec":
        """Validate ``request`` (a CreateTrainingJob request dict); raise :class:`SpecError`."""
        if not isinstance(request, dict):
            raise SpecError([Problem("", "The request must be a JSON object with the members of "
                                         "a CreateTrainingJob request.")])
        problems: list[Problem] = []
        problems.extend(check_request(api_model.request_shape("CreateTrainingJob"), request))
        request = copy.deepcopy(request)
        algorithm = _check_algorithm(request, problems)
        channels = _check_channels(request, base_dir, problems)
        _check_distributions(request, algorithm, problems)
        output_path = _check_output(request, base_dir, problems)
        _check_resources(request, problems)
        if problems:
            raise SpecError(problems)
        alg = request["AlgorithmSpecification"]
        return cls(
            name=request["TrainingJobName"],
            algorithm=algorithm,
            image=alg.get("TrainingImage") or alg.get("AlgorithmName"),
            input_mode=alg["TrainingInputMode"],
            hyperparameters=dict(request.get("HyperParameters") or {}),
            channels=channels,
            output_path=output_path,
            instance_type=(request.get("ResourceConfig") or {}).get("InstanceType", "ml.m5.xlarge"),
            instance_count=(request.get("ResourceConfig") or {}).get("InstanceCount", 1),
            max_runtime=(request.get("StoppingCondition") or {}).get(
                "MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME),
            metric_definitions=list(alg.get("MetricDefinitions") or []),
            environment=dict(request.get("Environment") or {}),
            request=request,
        )

    def channel(self, name: str) -> ChannelSpec | None:
        return next((c for c in self.channels if c.name == name), None)

    # the config files the platform writes into /opt/ml/input/config ---------------------------
    def input_data_config(self) -> dict:
        return {c.name: c.input_data_config() for c in self.channels}

    def resource_config(self, host: str = contract.FIRST_HOST) -> dict:
        group = "homogeneousCluster"
        return {"current_host": host, "current_instance_type": self.instance_type,
                "current_group_name": group, "hosts": [host],
                "instance_groups": [{"instance_group_name": group,
                                     "instance_type": self.instance_type, "hosts": [host]}],
                "network_interface_name": "eth0"}


# ------------------------------------------------------------------------------------------------
# what smemu needs and emulates

def _check_algorithm(request: dict, problems: list[Problem]) -> str | None:
    alg = request.get("AlgorithmSpecification")
    if not isinstance(alg, dict):
        if alg is None:
            problems.append(Problem("AlgorithmSpecification", "Member must not be null: name the "
                                    "built-in algorithm's TrainingImage and the TrainingInputMode."))
        return None
    for i, definition in enumerate(alg.get("MetricDefinitions") or []):
        regex = definition.get("Regex") if isinstance(definition, dict) else None
        if isinstance(regex, str):
            try:
                re.compile(regex)
            except re.error as exc:
                problems.append(Problem(f"AlgorithmSpecification.MetricDefinitions[{i}].Regex",
                                        f"{regex!r} is not a valid regular expression ({exc})."))
    image = alg.get("TrainingImage")
    name = alg.get("AlgorithmName")
    if image and name:
        problems.append(Problem("AlgorithmSpecification", "give either TrainingImage or "
                                "AlgorithmName, not both."))
        return None
    target = image or name
    where = "AlgorithmSpecification." + ("TrainingImage" if image else "AlgorithmName")
    if not target:
        problems.append(Problem("AlgorithmSpecification.TrainingImage", "Member must not be null: "
                                f"name a built-in algorithm image ({images.emulated_images()})."))
        return None
    if not isinstance(target, str):
        return None
    try:
        return images.algorithm_for_image(target)
    except images.UnknownImage as exc:
        problems.append(Problem(where, str(exc)))
        return None


def _check_channels(request: dict, base_dir, problems: list[Problem]) -> list[ChannelSpec]:
    alg = request.get("AlgorithmSpecification") if isinstance(request.get("AlgorithmSpecification"), dict) else {}
    job_mode = alg.get("TrainingInputMode") if alg.get("TrainingInputMode") in INPUT_MODES else "File"
    raw = request.get("InputDataConfig") or []
    if not isinstance(raw, list):
        return []
    seen: set[str] = set()
    out: list[ChannelSpec] = []
    for i, ch in enumerate(raw):
        path = f"InputDataConfig[{i}]"
        if not isinstance(ch, dict):
            continue
        name = ch.get("ChannelName")
        if isinstance(name, str):
            if name in seen:
                problems.append(Problem(f"{path}.ChannelName", f"the channel name {name!r} is "
                                        "used twice; channel names must be unique."))
            seen.add(name)
            if name.strip(".") == "" and name:
                problems.append(Problem(f"{path}.ChannelName", f"the channel name {name!r} would "
                                        "name a directory outside /opt/ml/input/data; use letters, "
                                        "digits, '-', '_' or '.' around them."))
        source = ch.get("DataSource") if isinstance(ch.get("DataSource"), dict) else {}
        s3 = source.get("S3DataSource")
        others = [k for k in source if k != "S3DataSource"]
        if others:
            problems.append(Problem(f"{path}.DataSource.{others[0]}", "smemu emulates S3DataSource "
                                    "channels only (s3://, file:// or a local path in S3Uri)."))
        if not isinstance(s3, dict):
            if not others and source:
                problems.append(Problem(f"{path}.DataSource.S3DataSource", "Member must not be null."))
            continue
        uri = s3.get("S3Uri")
        data_type = s3.get("S3DataType")
        if data_type == "Converse":
            problems.append(Problem(f"{path}.DataSource.S3DataSource.S3DataType",
                                    f"smemu does not emulate {data_type} data sources; use S3Prefix, "
                                    "ManifestFile or AugmentedManifestFile."))
        mode = ch.get("InputMode") or job_mode
        names = s3.get("AttributeNames")
        if data_type == "AugmentedManifestFile":
            _check_augmented(path, mode, names, problems)
        if mode == "FastFile" and data_type == "ManifestFile":
            problems.append(Problem(f"{path}.InputMode", "FastFile mode takes S3Prefix data sources "
                                    "only, not ManifestFile."))
        if isinstance(uri, str):
            resolved = _check_uri(uri, base_dir, f"{path}.DataSource.S3DataSource.S3Uri", problems)
            if resolved:
                s3["S3Uri"] = resolved
                uri = resolved
        if not (isinstance(name, str) and isinstance(uri, str)):
            continue
        seed = (ch.get("ShuffleConfig") or {}).get("Seed") if isinstance(ch.get("ShuffleConfig"), dict) else None
        out.append(ChannelSpec(
            name=name, uri=uri, data_type=data_type if isinstance(data_type, str) else "S3Prefix",
            distribution=s3.get("S3DataDistributionType") or "FullyReplicated",
            content_type=ch.get("ContentType"),
            compression=ch.get("CompressionType") or "None",
            record_wrapper=ch.get("RecordWrapperType") or "None",
            input_mode=mode if isinstance(mode, str) else "File",
            shuffle_seed=seed if isinstance(seed, int) else None,
            attribute_names=tuple(names) if data_type == "AugmentedManifestFile"
            and isinstance(names, list) else ()))
    return out


def _check_augmented(path: str, mode, names, problems: list[Problem]) -> None:
    """An AugmentedManifestFile channel: Pipe mode (API reference, S3DataSource:
    "AugmentedManifestFile can only be used if the Channel's input mode is Pipe") and the
    attributes to stream (1 to 16 names; botocore's model checks their lengths)."""
    if mode != "Pipe":
        problems.append(Problem(f"{path}.InputMode", f"AugmentedManifestFile can only be used if "
                                f"the Channel's input mode is Pipe (this channel's is {mode}). "
                                "Set the channel's InputMode (or the job's TrainingInputMode) "
                                "to Pipe."))
    if not isinstance(names, list) or not names:
        problems.append(Problem(f"{path}.DataSource.S3DataSource.AttributeNames",
                                "an AugmentedManifestFile channel needs AttributeNames: the "
                                "attributes of each JSON line to stream, in order (e.g. "
                                "[\"source-ref\", \"class\"])."))


def _check_distributions(request: dict, algorithm: str | None, problems: list[Problem]) -> None:
    """A channel whose S3DataDistributionType the algorithm's channel does not take (its
    descriptor's ChannelRule.distributions; e.g. random cut forest's train channel takes
    ShardedByS3Key only) is refused, as the service refuses it."""
    if algorithm is None:
        return
    from smemu.algorithms.registry import get_descriptor
    descriptor = get_descriptor(algorithm)
    for i, ch in enumerate(request.get("InputDataConfig") or []):
        if not isinstance(ch, dict) or not isinstance(ch.get("DataSource"), dict):
            continue
        s3 = ch["DataSource"].get("S3DataSource")
        rule = descriptor.channel(ch.get("ChannelName")) if isinstance(s3, dict) else None
        if rule is None:
            continue
        given = s3.get("S3DataDistributionType") or "FullyReplicated"
        if given not in rule.distributions:
            problems.append(Problem(
                f"InputDataConfig[{i}].DataSource.S3DataSource.S3DataDistributionType",
                f"the {descriptor.name} algorithm's '{rule.name}' channel supports "
                f"S3DataDistributionType {' or '.join(rule.distributions)}, not {given}. Set "
                f"S3DataDistributionType to {rule.distributions[0]}."))


def _check_uri(uri: str, base_dir, path: str, problems: list[Problem]) -> str | None:
    if staging.is_local(uri):
        return staging.resolve_uri(uri, base_dir)
    if re.fullmatch(r"(https|s3)://([^/]+)/?(.*)", uri):
        return uri
    problems.append(Problem(path, f"Value '{value_text(uri)}' is not an s3:// URI, a file:// URI "
                            "or a local path."))
    return None


def _check_output(request: dict, base_dir, problems: list[Problem]) -> str | None:
    out = request.get("OutputDataConfig")
    if not isinstance(out, dict) or not isinstance(out.get("S3OutputPath"), str):
        return None
    resolved = _check_uri(out["S3OutputPath"], base_dir, "OutputDataConfig.S3OutputPath", problems)
    if resolved:
        out["S3OutputPath"] = resolved
    return resolved


def _check_resources(request: dict, problems: list[Problem]) -> None:
    rc = request.get("ResourceConfig")
    if isinstance(rc, dict):
        if rc.get("InstanceGroups"):
            problems.append(Problem("ResourceConfig.InstanceGroups", "smemu runs one homogeneous "
                                    "instance; use InstanceType and InstanceCount instead."))
