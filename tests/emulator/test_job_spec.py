"""CreateTrainingJob requests validated as the API validates them, problems named by field path."""

import pytest

from smemu.emulator.image_names import algorithm_for_image, UnknownImage
from smemu.emulator.spec import SpecError, TrainingJobSpec

from jobdata import channel, request


def problems(req, base_dir=None):
    with pytest.raises(SpecError) as info:
        TrainingJobSpec.from_request(req, base_dir=base_dir)
    return {p.path: p.message for p in info.value.problems}, info.value


def test_valid_request_resolves_algorithm_modes_and_paths(tmp_path):
    req = request("kmeans-1", [channel("train", "data/", InputMode="Pipe"),
                               channel("test", "file://t/", None)], mode="File")
    spec = TrainingJobSpec.from_request(req, base_dir=str(tmp_path))
    assert spec.algorithm == "kmeans"
    assert spec.channels[0].input_mode == "Pipe" and spec.channels[1].input_mode == "File"
    assert spec.channels[0].uri == f"file://{tmp_path}/data/"
    assert spec.output_path == f"file://{tmp_path}/out"
    assert spec.input_data_config() == {
        "train": {"ContentType": "text/csv;label_size=0", "TrainingInputMode": "Pipe",
                  "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"},
        "test": {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
                 "RecordWrapperType": "None"}}
    assert spec.resource_config()["hosts"] == ["algo-1"]


def test_every_problem_is_reported_by_path():
    req = request("bad_name", [channel("train", "s3://b/p", CompressionType="Zip")])
    req["HyperParameters"]["k"] = 3
    req["StoppingCondition"]["MaxRuntimeInSeconds"] = 0
    req["Unknown"] = 1
    del req["RoleArn"]
    found, error = problems(req)
    assert "regular expression pattern" in found["TrainingJobName"]
    assert "valid types: string" in found["HyperParameters.k"]
    assert "[None, Gzip]" in found["InputDataConfig[0].CompressionType"]
    assert "greater than or equal to 1" in found["StoppingCondition.MaxRuntimeInSeconds"]
    assert "unknown parameter" in found["Unknown"]
    assert "must not be null" in found["RoleArn"]
    assert "at 'inputDataConfig.1.member.compressionType'" in error.aws_message()
    assert error.aws_message().startswith("6 validation errors detected: ")


def test_unknown_image_lists_what_smemu_emulates():
    req = request("j", [channel("train", "s3://b/p")])
    req["AlgorithmSpecification"]["TrainingImage"] = "123.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1"
    found, _ = problems(req)
    message = found["AlgorithmSpecification.TrainingImage"]
    assert "blazingtext" in message and "kmeans" in message and "xgboost" in message


@pytest.mark.parametrize("image,name", [
    ("382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1", "kmeans"),
    ("174872318107.dkr.ecr.us-west-2.amazonaws.com/linear-learner:1", "linear-learner"),
    ("kmeans", "kmeans"), ("linear-learner:latest", "linear-learner"),
])
def test_images_and_short_names(image, name):
    assert algorithm_for_image(image) == name


def test_unknown_short_name():
    with pytest.raises(UnknownImage):
        algorithm_for_image("kmeanz")


def test_duplicate_channels_unsupported_sources_augmented_manifests_and_instances():
    req = request("j", [channel("train", "s3://b/p"), channel("train", "s3://b/q"),
                        channel("conv", "s3://b/m", S3DataType="Converse"),
                        channel("aug", "s3://b/m", S3DataType="AugmentedManifestFile")])
    req["ResourceConfig"]["InstanceGroups"] = [
        {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2, "InstanceGroupName": "g"}]
    found, _ = problems(req)
    assert "used twice" in found["InputDataConfig[1].ChannelName"]
    assert "does not emulate Converse" in \
        found["InputDataConfig[2].DataSource.S3DataSource.S3DataType"]
    # an augmented manifest is emulated, in Pipe mode and with its AttributeNames only
    assert "InputDataConfig[3].DataSource.S3DataSource.S3DataType" not in found
    assert "input mode is Pipe" in found["InputDataConfig[3].InputMode"]
    assert "needs AttributeNames" in found["InputDataConfig[3].DataSource.S3DataSource.AttributeNames"]
    assert "one homogeneous" in found["ResourceConfig.InstanceGroups"]


def test_not_an_object():
    with pytest.raises(SpecError):
        TrainingJobSpec.from_request(["not", "a", "dict"])


def test_metric_definition_regexes_must_compile():
    req = request("j", [channel("train", "s3://b/p")])
    req["AlgorithmSpecification"]["MetricDefinitions"] = [{"Name": "ok", "Regex": "a=(\\S+)"},
                                                          {"Name": "bad", "Regex": "a=(\\S+"}]
    found, _ = problems(req)
    assert list(found) == ["AlgorithmSpecification.MetricDefinitions[1].Regex"]
