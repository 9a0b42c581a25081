"""The checks every registered built-in must pass, as scikit-learn's ``check_estimator`` runs over
every estimator: a new algorithm folder that forgets a piece of its descriptor fails here.

For each algorithm (found by the registry, never listed here) and each of its sample data sets
(``DESCRIPTOR.sample``):

* the descriptor is whole (channels, image repository, metric regexes with one group, tunable
  metrics among the metric definitions, lazily named parts that import);
* the schema's defaults round-trip through ``resolve``;
* a real job (process backend) trains on the sample; every metric regex of the descriptor matches
  a line the job printed (over all samples), and FinalMetricDataList is filled;
* the model in model.tar.gz is loaded the way the serving container loads it; its predictions for
  the train features beat the sample's quality floor, and ``/invocations`` answers 200;
* ``smemu validate`` reports a ragged CSV line and a record of the wrong width, in the words the
  training job's failure reason uses (for algorithms that read CSV).
"""

from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from smemu.algorithms.descriptor import CSV, RECORDIO_PROTOBUF
from smemu.algorithms.registry import descriptors
from smemu.containers.artifacts import read_model
from smemu.containers.serve import ServingConfig, build_app
from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.emulator.validation import validate_request
from smemu.formats import write_recordio_protobuf
from training_helpers import invoke

ALGORITHMS = sorted(descriptors())


def samples_of(name):
    return descriptors()[name].samples(np.random.default_rng(7))


def _media(content_type: str) -> str:
    return content_type.split(";")[0].strip()


def _csv_text(features, labels) -> str:
    if getattr(features, "dtype", None) == object:       # text records (IP Insights' entity,ip)
        return "\n".join(",".join(str(v) for v in row) for row in features) + "\n"
    rows = np.asarray(features, dtype=np.float64)
    if labels is not None:
        rows = np.column_stack([np.asarray(labels, dtype=np.float64), rows])
    return "\n".join(",".join(repr(float(v)) for v in row) for row in rows) + "\n"


def _channel_bytes(content_type, features, labels) -> bytes:
    if _media(content_type) == CSV:
        return _csv_text(features, labels).encode()
    if _media(content_type) == RECORDIO_PROTOBUF:
        buf = io.BytesIO()
        write_recordio_protobuf(buf, features, labels)
        return buf.getvalue()
    raise AssertionError(f"the common test cannot write {content_type}; teach _channel_bytes")


def _request(tmp_path: Path, name: str, descriptor, sample, files: dict) -> dict:
    """A CreateTrainingJob request whose channels are ``files`` (channel -> bytes, or -> {file
    name: bytes})."""
    channels = []
    for channel, data in files.items():
        default = "part-0.csv" if _media(sample.content_type) == CSV else "part-0.pbr"
        for file_name, content in (data.items() if isinstance(data, dict) else [(default, data)]):
            path = tmp_path / "data" / channel / file_name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        rule = descriptor.channel(channel)
        channels.append({
            "ChannelName": channel, "ContentType": sample.content_type,
            "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": f"data/{channel}/",
                "S3DataDistributionType": rule.distributions[0]}}})
    repository, tag = descriptor.image_repositories[0], descriptor.image_tags[0]
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {
            "TrainingImage": f"382416733822.dkr.ecr.us-east-1.amazonaws.com/{repository}:{tag}",
            "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "HyperParameters": dict(sample.hyperparameters),
        "InputDataConfig": channels,
        "OutputDataConfig": {"S3OutputPath": "out"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                           "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def _sample_files(sample) -> dict:
    if sample.files is not None:
        return {ch: dict(files) for ch, files in sample.files.items()}
    return {ch: _channel_bytes(sample.content_type, f, l) for ch, (f, l) in sample.channels.items()}


def _run(tmp_path, request):
    spec = TrainingJobSpec.from_request(request, base_dir=str(tmp_path))
    lines: list[str] = []
    record = run_job(spec, store=JobStore(tmp_path / "jobs"), on_log=lines.append, stop_grace=5)
    return record, lines


# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ALGORITHMS)
def test_descriptor_is_whole(name):
    d = descriptors()[name]
    assert d.required_channels, "an algorithm takes at least one required channel"
    assert d.image_repositories and d.image_tags and d.metrics_dimension
    names = set()
    for definition in d.metric_definitions:
        assert re.compile(definition.regex).groups >= 1, definition.name
        assert definition.name not in names, f"{definition.name} is defined twice"
        names.add(definition.name)
    for tunable in d.tunable_metrics:
        assert tunable.direction in ("Minimize", "Maximize"), tunable
        assert tunable.name in names, f"tunable metric {tunable.name} has no MetricDefinition"
    for rule in d.channels:
        assert rule.content_types and rule.input_modes and rule.distributions, rule.name
    trainer = d.new_trainer()
    assert trainer.descriptor is d
    assert d.samples(np.random.default_rng(0)), "a descriptor names at least one sample"


@pytest.mark.parametrize("name", ALGORITHMS)
def test_its_images_are_the_ones_the_sagemaker_sdk_names(name):
    """The descriptor's registry account, repository and tags are what the SDK's image_uris
    gives in us-east-1 (framework names: the short name, ``xgboost`` for sagemaker-xgboost), and
    smemu recognises that image as this algorithm."""
    from sagemaker import image_uris

    from smemu.emulator.image_names import EXAMPLE_IMAGE, algorithm_for_image

    d = descriptors()[name]
    framework = "xgboost" if d.image_repositories[0] == "sagemaker-xgboost" else name
    for tag in d.image_tags[:3]:
        real = image_uris.retrieve(framework, "us-east-1", tag)
        assert real == EXAMPLE_IMAGE.format(account=d.image_account,
                                            repository=d.image_repositories[0], tag=tag)
        assert algorithm_for_image(real) == name


@pytest.mark.parametrize("name", ALGORITHMS)
def test_schema_defaults_round_trip(name):
    d = descriptors()[name]
    for sample in samples_of(name):
        assert set(d.schema.required) <= set(sample.hyperparameters)
        config = d.schema.resolve(sample.hyperparameters)
        for key, default in d.schema.defaults().items():
            if key not in sample.hyperparameters:
                assert str(config.raw[key]) == default, key
        again = d.schema.resolve(config.raw)
        assert dict(again) == dict(config)
        assert not d.schema.problems(sample.hyperparameters)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_trains_prints_its_metrics_and_serves(tmp_path, name):
    d = descriptors()[name]
    printed: list[str] = []
    for i, sample in enumerate(samples_of(name)):
        work = tmp_path / f"sample-{i}"
        record, lines = _run(work, _request(work, f"every-{i}", d, sample, _sample_files(sample)))
        assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
        assert record["FinalMetricDataList"], "no metric of the descriptor matched the log"
        printed += lines

        # the model as the serving container loads it
        uri = record["ModelArtifacts"]["S3ModelArtifacts"]
        model_dir = work / "model"
        with tarfile.open(uri[len("file://"):]) as tar:
            tar.extractall(model_dir, filter="data")
        for file in d.model_files:
            assert list(model_dir.glob(file)), f"model.tar.gz lacks {file}"
        predictor = d.load_predictor(read_model(model_dir, "/opt/ml/model", d.model_files))
        features, labels = sample.channels["train"]
        truth = sample.truth if sample.truth is not None else labels
        if sample.evaluation is not None:
            features, truth = sample.evaluation
        value, floor = sample.quality(predictor.predict(features), features, truth)
        assert value > floor, f"sample {i}: quality {value} is not above {floor}"

        app = build_app(_serving_config(model_dir, name))
        request_type = sample.serving_type or _media(sample.content_type)
        body = sample.request_body
        if body is None:
            first = features[:3]
            body = (_csv_text(first.toarray() if sp.issparse(first) else first, None).encode()
                    if request_type == CSV else _channel_bytes(RECORDIO_PROTOBUF, first, None))
        code, answer = invoke(app, body, request_type, sample.serving_accept)
        assert code == 200, answer[:300]

    log = "\n".join(printed)
    unmatched = [definition.name for definition in d.metric_definitions if definition.printed
                 and not re.search(definition.regex, log, re.MULTILINE)]
    assert not unmatched, f"no line the sample jobs printed matches the regexes of {unmatched}"


def _serving_config(model_dir: Path, name: str) -> ServingConfig:
    """The serving settings of a container whose /opt/ml/model is ``model_dir``."""
    opt_ml = model_dir.parent / "opt_ml"
    (opt_ml).mkdir(exist_ok=True)
    link = opt_ml / "model"
    if not link.exists():
        link.symlink_to(model_dir)
    return ServingConfig({"SMEMU_OPT_ML": str(opt_ml), "SMEMU_ALGORITHM": name})


def _csv_sample(name):
    """The first sample of ``name`` whose train channel is CSV, or a skip."""
    d = descriptors()[name]
    if CSV not in d.channel("train").content_types:
        pytest.skip(f"{name} reads no text/csv on its train channel")
    for sample in samples_of(name):
        if _media(sample.content_type) == CSV:
            return d, sample
    pytest.skip(f"{name} has no CSV sample")


def _validate_and_train(tmp_path, d, sample, files):
    request = _request(tmp_path, "every-broken", d, sample, files)
    report = validate_request(request, base_dir=str(tmp_path))
    assert not report.ok, "validate found nothing wrong"
    record, _ = _run(tmp_path, request)
    assert record["TrainingJobStatus"] == "Failed"
    return report, record["FailureReason"]


@pytest.mark.parametrize("name", ALGORITHMS)
def test_validate_reports_a_ragged_csv_as_training_does(tmp_path, name):
    d, sample = _csv_sample(name)
    files = _sample_files(sample)
    lines = files["train"].decode().split("\n")
    lines[2] = lines[2].rsplit(",", 1)[0]           # line 3 loses its last column
    files["train"] = "\n".join(lines).encode()
    report, reason = _validate_and_train(tmp_path, d, sample, files)
    problem = report.problems[0]
    assert problem.channel == "train" and problem.line == 3, problem
    assert problem.message in reason


@pytest.mark.parametrize("name", ALGORITHMS)
def test_validate_reports_a_wrong_width_as_training_does(tmp_path, name):
    d, sample = _csv_sample(name)
    widened = [ch for ch in sample.channels if ch != "train"] or ["train"]
    channels = dict(sample.channels)
    features, labels = channels[widened[-1]]
    channels[widened[-1]] = (np.column_stack([features, features[:, :1]]), labels)
    files = {ch: _channel_bytes(sample.content_type, f, l) for ch, (f, l) in channels.items()}
    report, reason = _validate_and_train(tmp_path, d, sample, files)
    assert report.problems[0].channel == widened[-1]
    assert report.problems[0].message in reason
