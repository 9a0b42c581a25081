"""``smemu validate``: everything a training job would reject, found without training.

The checks are the ones the job itself makes, called one by one so that every problem is reported
(not only the first) in the words ``smemu train`` writes to the failure file:

* the request: :meth:`TrainingJobSpec.from_request` (fields, names, enums, what smemu emulates);
* the hyperparameters: the algorithm's ``Schema.problems``;
* the channels: ``smemu.algorithms.channel_config`` (channel names, ContentType) and staging
  (``list_channel``: a prefix with no objects, a bad manifest);
* every record: the formats readers (their ``FormatError``), then the algorithm's
  ``input_checks(config)`` (width against ``feature_dim``, NaN/inf, labels, too few records).

Files are named as the container names them (``/opt/ml/input/data/train/part-0.csv`` in File mode,
the FIFO ``/opt/ml/input/data/train_0`` in Pipe mode), so the message is the failure file's text;
each problem also carries the object's URI. A bad CSV line, or a bad RecordIO-protobuf record whose
framing is intact, is reported and skipped (the readers' ``on_error``); broken RecordIO framing
ends that file, and the next file is still read. A Pipe-mode channel is one stream, as
the container reads it; after a fatal error the rest of the channel is read as a new stream from
the next object, named ``<fifo> from <object URI>`` (training would have stopped before it).

Channels are streamed batch by batch; nothing holds a whole channel in memory.
"""

from __future__ import annotations

from typing import Callable

from smemu.algorithms.registry import get_descriptor
from smemu.algorithms.base import InputChecks
from smemu.algorithms.channel_config import channel_problems, content_type_problem
from smemu.algorithms.errors import CustomerError
from smemu.emulator import image_names as images
from smemu.emulator.api.shared import DEFAULT_ACCOUNT
from smemu.emulator.spec import SpecError, TrainingJobSpec

from smemu.formats.augmented import ATTRIBUTES
from smemu.formats.content_types import IMAGE, parse_content_type

from .channels import validate_channel
from .listed import validate_listed_channel
from .report import ChannelSummary, Collector, Enough, Problem, Report, in_file_order, problems_text

__all__ = ["validate_request", "validate_spec", "Report", "Problem", "ChannelSummary",
           "problems_text"]


def validate_request(request, base_dir: str | None = None, max_errors: int | None = None,
                     progress: Callable[[int, str], object] | None = None) -> Report:
    """Checks a CreateTrainingJob request and all of its channels' data.

    ``progress(total_bytes, label)`` may return a ``smemu.progress.Progress`` for a channel."""
    name = request.get("TrainingJobName") if isinstance(request, dict) else None
    report = Report(job=name if isinstance(name, str) else None)
    collect = Collector(report, max_errors)
    try:
        try:
            spec = TrainingJobSpec.from_request(request, base_dir=base_dir)
        except SpecError as exc:
            for p in exc.problems:
                collect.add(Problem("request", str(p), field=p.path or None))
            spec = _data_part(request, base_dir)
            if spec is None:
                _hyperparameters_of_bad_request(request, collect)
                report.notes.append("The request's algorithm or channels have problems, so the "
                                    "channels' data were not read; fix them and validate again.")
                return report
        _validate_spec(spec, report, collect, progress)
    except Enough:
        report.notes.append(f"Stopped after {len(report.problems)} problems (--max-errors).")
    in_file_order(report)
    return report


def validate_spec(spec: TrainingJobSpec, max_errors: int | None = None,
                  progress: Callable[[int, str], object] | None = None) -> Report:
    report = Report(job=spec.name)
    try:
        _validate_spec(spec, report, Collector(report, max_errors), progress)
    except Enough:
        report.notes.append(f"Stopped after {len(report.problems)} problems (--max-errors).")
    in_file_order(report)
    return report


#: what stands in for the members of a request that do not concern its data, when they are wrong
_STAND_INS = {
    "TrainingJobName": "smemu-validate",
    "RoleArn": f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/smemu-validate",
    "OutputDataConfig": {"S3OutputPath": "file:///smemu-validate/output/"},
    "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
}


def _data_part(request, base_dir) -> TrainingJobSpec | None:
    """The job's algorithm, hyperparameters and channels as a spec, when only the other members
    of the request are wrong (so its data can still be checked); else None."""
    if not isinstance(request, dict):
        return None
    kept = {k: request[k] for k in ("AlgorithmSpecification", "HyperParameters", "InputDataConfig")
            if k in request}
    try:
        return TrainingJobSpec.from_request({**_STAND_INS, **kept}, base_dir=base_dir)
    except SpecError:
        return None


def _hyperparameters_of_bad_request(request, collect: Collector) -> None:
    """Hyperparameter problems of a request that failed validation, when its algorithm is known."""
    if not isinstance(request, dict):
        return
    alg = request.get("AlgorithmSpecification")
    image = (alg.get("TrainingImage") or alg.get("AlgorithmName")) if isinstance(alg, dict) else None
    hyperparameters = request.get("HyperParameters") or {}
    if not isinstance(image, str) or not isinstance(hyperparameters, dict):
        return
    try:
        algorithm = get_descriptor(images.algorithm_for_image(image))
    except (images.UnknownImage, CustomerError):
        return
    collect.report.algorithm = algorithm.name
    for exc in algorithm.schema.problems(hyperparameters):
        collect.add(Problem("hyperparameters", str(exc), field=exc.name))


#: the developer guide's words (each image algorithm's "Train with Augmented Manifest Image Format")
_UNWRAPPED = ("When using the {algorithm} algorithm with Augmented Manifest, the value of the "
              "RecordWrapperType parameter must be \"RecordIO\": without it the image and label "
              "records cannot be told apart. Set the channel's RecordWrapperType to RecordIO.")

_PAIRS = ("The {algorithm} algorithm reads an augmented manifest's records in pairs, the image "
          "first, followed by its label (developer guide, \"Train with Augmented Manifest Image "
          "Format\"), but AttributeNames lists {names}. List the image's -ref attribute, then "
          "its label attribute.")


def _validate_spec(spec: TrainingJobSpec, report: Report, collect: Collector, progress) -> None:
    algorithm = get_descriptor(spec.algorithm)
    report.algorithm = algorithm.name
    report.channels = [ChannelSummary(c.name, c.content_type, c.input_mode) for c in spec.channels]
    summaries = {s.name: s for s in report.channels}

    problems = algorithm.schema.problems(spec.hyperparameters)
    for exc in problems:
        collect.add(Problem("hyperparameters", str(exc), field=exc.name))
    if problems:
        checks = InputChecks()
        report.notes.append("The hyperparameters have problems, so records were checked for "
                            "format only (not against feature_dim, labels or k).")
    else:
        checks = algorithm.new_input_checks(algorithm.schema.resolve(spec.hyperparameters))

    input_config = spec.input_data_config()
    for exc in channel_problems(algorithm, input_config):
        collect.add(Problem("channel", str(exc)))
    # the order training reads them in: required first, then the others the algorithm takes
    consumed = set()     # listing and label map channels read with the images they describe
    for name in algorithm.channel_names:
        channel = spec.channel(name)
        if channel is None or name in consumed:
            continue
        content_type = algorithm.content_type_of(name, channel.content_type)
        problem = content_type_problem(name, content_type, algorithm, channel.input_mode)
        if problem is not None:
            collect.add(Problem("channel", str(problem), channel=name))
            continue
        rule = algorithm.channel(name)
        if (channel.data_type == "AugmentedManifestFile" and rule.augmented_label
                and channel.record_wrapper != "RecordIO"):
            collect.add(Problem("channel", _UNWRAPPED.format(algorithm=algorithm.name),
                                channel=name, object=channel.uri))
            continue
        if (channel.data_type == "AugmentedManifestFile" and rule.augmented_label
                and len(channel.attribute_names) != ATTRIBUTES):
            collect.add(Problem("channel", _PAIRS.format(algorithm=algorithm.name,
                                                         names=list(channel.attribute_names)),
                                channel=name, object=channel.uri))
            continue
        if rule.label_map_by:
            consumed.add(rule.label_map_by)
        listing = spec.channel(rule.listed_by or "")
        if listing is not None and parse_content_type(content_type)[0] == IMAGE:
            consumed.add(listing.name)
            label_maps = spec.channel(rule.label_map_by or "")
            records = validate_listed_channel(channel, listing, checks, summaries[name],
                                              summaries[listing.name], collect, label_maps)
            if label_maps is not None:
                summaries[label_maps.name].read = True
        else:
            validate_channel(channel, checks, summaries[name], collect, progress,
                             spec.instance_count, content_type=content_type,
                             descriptor=algorithm)
            records = summaries[name].records
        report.notes.extend(checks.remarks(name, records))
