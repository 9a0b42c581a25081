"""CreateTransformJob through boto3 against a live smemu server: every object under an S3 prefix
through the k-means model, ``<key>.out`` answers on S3 checked against the centroids' arithmetic;
the waiter, a failing job's reason, errors."""

from __future__ import annotations

import json

import botocore.exceptions
import numpy as np
import pytest
from endpoint_helpers import CENTROIDS, IMAGE, ROLE, WAIT, csv_body, nearest

ROWS = np.random.default_rng(9).normal(size=(30, 4)).astype(np.float32) * 4


@pytest.fixture(scope="module")
def model(server, model_uri):
    server.client().create_model(ModelName="transformer", ExecutionRoleArn=ROLE,
                                 PrimaryContainer={"Image": IMAGE, "ModelDataUrl": model_uri})
    return "transformer"


def job(name, model, source, output, **extra) -> dict:
    return {"TransformJobName": name, "ModelName": model,
            "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                               "S3Uri": source}},
                               "ContentType": "text/csv", "SplitType": "Line"},
            "TransformOutput": {"S3OutputPath": output, "Accept": "application/jsonlines",
                                "AssembleWith": "Line"},
            "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1}, **extra}


def test_transform_job_over_an_s3_prefix(server, model, s3_server, s3_bucket):
    s3 = s3_server.client()
    s3.put_object(Bucket=s3_bucket, Key="input/part-1.csv", Body=csv_body(ROWS[:20]))
    s3.put_object(Bucket=s3_bucket, Key="input/part-2.csv", Body=csv_body(ROWS[20:]))
    sagemaker = server.client()
    sagemaker.create_transform_job(**job("batch", model, f"s3://{s3_bucket}/input/",
                                         f"s3://{s3_bucket}/output", BatchStrategy="MultiRecord"))
    sagemaker.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName="batch",
                                                                    WaiterConfig=WAIT)
    described = sagemaker.describe_transform_job(TransformJobName="batch")
    assert described["TransformJobStatus"] == "Completed"
    assert described["TransformJobArn"] == \
        "arn:aws:sagemaker:us-east-1:123456789012:transform-job/batch"
    for key, rows in (("part-1.csv.out", ROWS[:20]), ("part-2.csv.out", ROWS[20:])):
        body = s3.get_object(Bucket=s3_bucket, Key=f"output/{key}")["Body"].read()
        answers = [json.loads(line) for line in body.decode().splitlines()]
        cluster, distance = nearest(CENTROIDS, rows)
        assert [a["closest_cluster"] for a in answers] == cluster.astype(float).tolist()
        np.testing.assert_allclose([a["distance_to_cluster"] for a in answers], distance,
                                   rtol=1e-4, atol=1e-4)
    summaries = sagemaker.list_transform_jobs()["TransformJobSummaries"]
    assert [(s["TransformJobName"], s["TransformJobStatus"]) for s in summaries] == \
        [("batch", "Completed")]


def test_bad_records_fail_the_job(server, model, s3_server, s3_bucket):
    s3_server.client().put_object(Bucket=s3_bucket, Key="bad/rows.csv", Body=b"1,2,3,4\n5,6\n")
    sagemaker = server.client()
    sagemaker.create_transform_job(**job("bad-batch", model, f"s3://{s3_bucket}/bad/",
                                         f"s3://{s3_bucket}/bad-out", BatchStrategy="SingleRecord"))
    with pytest.raises(botocore.exceptions.WaiterError):
        sagemaker.get_waiter("transform_job_completed_or_stopped").wait(
            TransformJobName="bad-batch", WaiterConfig=WAIT)
    described = sagemaker.describe_transform_job(TransformJobName="bad-batch")
    assert described["TransformJobStatus"] == "Failed"
    assert "line 2 of rows.csv" in described["FailureReason"]
    assert "feature dimension of the input: 2" in described["FailureReason"]


def test_transform_job_errors(server, model, s3_bucket):
    sagemaker = server.client()
    for request, text in (
            (job("no-model", "missing", f"s3://{s3_bucket}/in/", f"s3://{s3_bucket}/o"),
             "Could not find model"),
            (job("bad-split", model, f"s3://{s3_bucket}/in/", f"s3://{s3_bucket}/o",
                 BatchStrategy="Sometimes"), "'batchStrategy'"),   # checked against the API's model
            (job("relative", model, "in/", f"s3://{s3_bucket}/o"), "regular expression")):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            sagemaker.create_transform_job(**request)
        assert caught.value.response["Error"]["Code"] == "ValidationException"
        assert text in caught.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sagemaker.describe_transform_job(TransformJobName="never")
    assert caught.value.response["Error"]["Code"] == "ValidationException"



def test_stop_transform_job(server, model, s3_server, s3_bucket):
    rows = np.tile(ROWS, (100, 1))     # 3000 single-record requests: seconds of work
    s3 = s3_server.client()
    s3.put_object(Bucket=s3_bucket, Key="long/rows.csv", Body=csv_body(rows))
    sagemaker = server.client()
    sagemaker.create_transform_job(**job("long", model, f"s3://{s3_bucket}/long/",
                                         f"s3://{s3_bucket}/long-out", BatchStrategy="SingleRecord"))
    sagemaker.stop_transform_job(TransformJobName="long")
    sagemaker.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName="long",
                                                                    WaiterConfig=WAIT)
    assert sagemaker.describe_transform_job(TransformJobName="long")["TransformJobStatus"] == \
        "Stopped"
    assert s3.list_objects_v2(Bucket=s3_bucket, Prefix="long-out/")["KeyCount"] == 0
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sagemaker.stop_transform_job(TransformJobName="long")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
