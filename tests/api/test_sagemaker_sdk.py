"""The SageMaker Python SDK (v2, in the oracle environment) as a client of ``smemu server``: its
Session's SageMaker client points at smemu, its S3 at the local S3 server; KMeans and
LinearLearner ``fit(record_set(...))`` run to completion and their artifacts load in real mxnet."""

from __future__ import annotations

import json

import numpy as np
import pytest

from emulator.jobdata import CENTRES, centre_error, clustered

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

SESSION = r"""
import io, json, os, sys, tarfile, zipfile
import boto3, numpy as np
sagemaker_url, s3_url, bucket, workdir = sys.argv[1:5]
os.chdir(workdir)
os.environ["AWS_ENDPOINT_URL_STS"] = s3_url      # the SDK asks STS who we are; moto answers
os.environ["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"] = sagemaker_url   # fit() prints the job's log from CloudWatch
import sagemaker
boto_session = boto3.Session(region_name="us-east-1")
session = sagemaker.Session(boto_session=boto_session, default_bucket=bucket,
                            sagemaker_client=boto_session.client("sagemaker", endpoint_url=sagemaker_url))
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"

def model_file(model_data):
    _, _, rest = model_data.partition("s3://")
    key_bucket, _, key = rest.partition("/")
    body = boto_session.client("s3").get_object(Bucket=key_bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as tar:
        names = tar.getnames()
        return names, tar.extractfile("model_algo-1").read()
"""

# SESSION plus what deploy() and predict() need: the runtime client pointed at smemu, and
# endpoint polling every second (deploy() polls DescribeEndpoint every 30 s by default)
ENDPOINT_SESSION = SESSION + r"""
session.sagemaker_runtime_client = boto_session.client("sagemaker-runtime",
                                                       endpoint_url=sagemaker_url)
sagemaker.session.Session.wait_for_endpoint.__defaults__ = (1, False)
"""

KMEANS = SESSION + r"""
import mxnet as mx
from sagemaker import KMeans
X = np.load("x.npy")
kmeans = KMeans(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", k=3,
                output_path=f"s3://{bucket}/sdk-kmeans", sagemaker_session=session)
kmeans.fit(kmeans.record_set(X))      # as in the SDK's examples: waits, printing the log
job = session.describe_training_job(kmeans.latest_training_job.name)
names, model = model_file(kmeans.model_data)
open("model_algo-1", "wb").write(model)
centroids = mx.nd.load("model_algo-1")
print(json.dumps({"status": job["TrainingJobStatus"], "model_data": kmeans.model_data,
                  "job": kmeans.latest_training_job.name, "names": names,
                  "data_type": job["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataType"],
                  "centroids": centroids[0].asnumpy().tolist()}))
"""

LINEAR = SESSION + r"""
import mxnet as mx
from sagemaker import LinearLearner
X, y = np.load("x.npy"), np.load("y.npy")
linear = LinearLearner(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge",
                       predictor_type="binary_classifier", epochs=10,
                       output_path=f"s3://{bucket}/sdk-linear", sagemaker_session=session)
linear.fit(linear.record_set(X, labels=y), mini_batch_size=100, logs=False)
names, model = model_file(linear.model_data)
zipfile.ZipFile(io.BytesIO(model)).extractall("unzipped")
module = mx.mod.Module.load("unzipped/mx-mod", 0, label_names=["out_label"])
module.bind(data_shapes=[("data", X.shape)], for_training=False)
module.forward(mx.io.DataBatch([mx.nd.array(X)]), is_train=False)
scores = module.get_outputs()[0].asnumpy().ravel()
print(json.dumps({"status": session.describe_training_job(linear.latest_training_job.name)["TrainingJobStatus"],
                  "names": names, "scores": scores.tolist()}))
"""


def test_kmeans_fit_through_the_sdk(server, s3_server, s3_bucket, run_oracle, tmp_path):
    X = clustered(900)
    np.save(tmp_path / "x.npy", X)
    printed = run_oracle(KMEANS, server.url, s3_server.url, s3_bucket, tmp_path).strip().splitlines()
    answer = json.loads(printed[-1])
    assert any("#quality_metric: host=algo-1, train msd <loss>=" in line for line in printed)
    assert answer["status"] == "Completed"
    assert answer["data_type"] == "ManifestFile"      # record_set's shards, through a manifest
    assert answer["model_data"] == f"s3://{s3_bucket}/sdk-kmeans/{answer['job']}/output/model.tar.gz"
    assert answer["names"] == ["model_algo-1"]
    centroids = np.array(answer["centroids"])
    assert centroids.shape == CENTRES.shape and centre_error(centroids) < 0.5


def test_linear_learner_fit_through_the_sdk(server, s3_server, s3_bucket, run_oracle, tmp_path):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 5)).astype(np.float32)
    y = (X[:, 0] - 2 * X[:, 1] > 0).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", y)
    answer = json.loads(run_oracle(LINEAR, server.url, s3_server.url, s3_bucket, tmp_path).strip().splitlines()[-1])
    assert answer["status"] == "Completed" and answer["names"] == ["model_algo-1"]
    accuracy = np.mean((np.array(answer["scores"]) > 0.5) == (y == 1))
    assert accuracy > 0.95
