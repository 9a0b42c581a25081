"""SageMaker client code paths beyond fit/deploy/predict, unchanged against smemu (through the
pytest plugin's fixtures): attach, tags, update_endpoint, list_monitors, training job analytics,
a transform job with DataProcessing, and the AWS CLI's ``logs filter-log-events``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sagemaker import KMeans
from sagemaker.estimator import Estimator

CENTRES = np.array([[0.0, 0.0], [10.0, 10.0], [0.0, 10.0]])


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(1)
    return np.vstack([c + rng.normal(scale=0.5, size=(60, 2)) for c in CENTRES]).astype("float32")


@pytest.fixture(scope="module")
def fitted(sagemaker_session, sagemaker_role, blobs):
    kmeans = KMeans(role=sagemaker_role, instance_count=1, instance_type="ml.m5.xlarge", k=3,
                    sagemaker_session=sagemaker_session, tags=[{"Key": "team", "Value": "ml"}])
    kmeans.fit(kmeans.record_set(blobs), logs=False)
    return kmeans


def test_attach_rebuilds_the_estimator(fitted, sagemaker_session):
    name = fitted.latest_training_job.name
    attached = KMeans.attach(name, sagemaker_session=sagemaker_session)
    assert attached.k == 3 and attached.model_data == fitted.model_data
    generic = Estimator.attach(name, sagemaker_session=sagemaker_session)
    assert generic.output_kms_key == "" and generic.instance_count == 1


def test_tags_given_at_create_time_and_added_later(fitted, sagemaker_client):
    arn = sagemaker_client.describe_training_job(
        TrainingJobName=fitted.latest_training_job.name)["TrainingJobArn"]
    assert {"Key": "team", "Value": "ml"} in sagemaker_client.list_tags(ResourceArn=arn)["Tags"]
    sagemaker_client.add_tags(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "ci"}])
    sagemaker_client.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sagemaker_client.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "stage", "Value": "ci"}]


def test_training_job_analytics_reads_the_metrics(fitted):
    frame = fitted.training_job_analytics.dataframe()
    assert "train:msd" in set(frame["metric_name"])
    msd = float(frame[frame["metric_name"] == "train:msd"]["value"].iloc[-1])
    assert 0.0 < msd < 2.0          # two dimensions of variance 0.25 around the true centres


def test_update_endpoint_and_list_monitors(fitted, blobs):
    predictor = fitted.deploy(initial_instance_count=1, instance_type="ml.m5.xlarge")
    try:
        assert predictor.list_monitors() == []
        predictor.update_endpoint(initial_instance_count=1, instance_type="ml.m5.large")
        records = predictor.predict(blobs[[0, 60, 120]])
        assert len({r.label["closest_cluster"].float32_tensor.values[0] for r in records}) == 3
    finally:
        predictor.delete_endpoint()


def test_transform_filters_and_joins_its_input(fitted, sagemaker_session, smemu_s3, blobs):
    ids = np.arange(len(blobs))
    lines = "\n".join(f"id{i},{x:.4f},{y:.4f}" for i, (x, y) in zip(ids, blobs)) + "\n"
    bucket = sagemaker_session.default_bucket()
    smemu_s3.client().put_object(Bucket=bucket, Key="batch-in/part-0.csv", Body=lines.encode())
    transformer = fitted.transformer(instance_count=1, instance_type="ml.m5.xlarge",
                                     accept="text/csv", assemble_with="Line",
                                     output_path=f"s3://{bucket}/batch-out")
    transformer.transform(f"s3://{bucket}/batch-in/", content_type="text/csv", split_type="Line",
                          input_filter="$[1:]", join_source="Input", output_filter="$[0,-2]",
                          wait=True, logs=False)
    body = smemu_s3.client().get_object(Bucket=bucket, Key="batch-out/part-0.csv.out")["Body"]
    rows = [line.split(",") for line in body.read().decode().splitlines()]
    assert [r[0] for r in rows] == [f"id{i}" for i in ids]          # the joined input's id
    clusters = np.array([float(r[1]) for r in rows])                 # the output's cluster
    truth = np.repeat(np.arange(3), 60)
    assert all(len(set(clusters[truth == c])) == 1 for c in range(3))
    assert len(set(clusters)) == 3


def test_aws_cli_filters_a_jobs_log_events(fitted, smemu_server):
    name = fitted.latest_training_job.name
    out = subprocess.run(
        [sys.executable, "-m", "awscli", "logs", "filter-log-events", "--endpoint-url",
         smemu_server.url, "--log-group-name", "/aws/sagemaker/TrainingJobs",
         "--log-stream-name-prefix", name, "--filter-pattern", '"train msd"', "--output", "json"],
        capture_output=True, text=True, env=dict(os.environ), check=True)
    events = json.loads(out.stdout)["events"]
    assert events and all("train msd" in e["message"] for e in events)
    assert all(e["logStreamName"].startswith(f"{name}/algo-1-") for e in events)
