"""Every Describe* answer carries the members botocore's model says SageMaker always returns (the
output shape's required members, at every level), so client code that indexes them — as the
SDK's ``attach()`` does — works on smemu as on SageMaker."""

from __future__ import annotations

import botocore.session
import numpy as np
import pytest
from sagemaker import KMeans

MODEL = botocore.session.get_session().get_service_model("sagemaker")


def missing_required(shape, value, path="") -> list[str]:
    """Paths of required members absent from ``value`` (a parsed botocore answer)."""
    missing = []
    if shape.type_name == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if name not in value:
                missing.append(f"{path}{name}")
        for name, member in shape.members.items():
            if name in value:
                missing += missing_required(member, value[name], f"{path}{name}.")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            missing += missing_required(shape.member, item, f"{path}{i}.")
    return missing


@pytest.fixture(scope="module")
def deployed(sagemaker_session, sagemaker_role):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(90, 3)).astype("float32")
    kmeans = KMeans(role=sagemaker_role, instance_count=1, instance_type="ml.m5.xlarge", k=2,
                    sagemaker_session=sagemaker_session)
    kmeans.fit(kmeans.record_set(X), logs=False)
    predictor = kmeans.deploy(initial_instance_count=1, instance_type="ml.m5.xlarge")
    yield kmeans, predictor
    predictor.delete_endpoint()


def test_describe_answers_have_every_required_member(deployed, sagemaker_client):
    kmeans, predictor = deployed
    endpoint = sagemaker_client.describe_endpoint(EndpointName=predictor.endpoint_name)
    config = sagemaker_client.describe_endpoint_config(
        EndpointConfigName=endpoint["EndpointConfigName"])
    model_name = config["ProductionVariants"][0]["ModelName"]
    answers = {
        "DescribeTrainingJob": sagemaker_client.describe_training_job(
            TrainingJobName=kmeans.latest_training_job.name),
        "DescribeEndpoint": endpoint,
        "DescribeEndpointConfig": config,
        "DescribeModel": sagemaker_client.describe_model(ModelName=model_name),
    }
    problems = {}
    for operation, answer in answers.items():
        shape = MODEL.operation_model(operation).output_shape
        missing = missing_required(shape, answer)
        if missing:
            problems[operation] = missing
    assert not problems
