"""boto3's SageMaker client against a real ``smemu server``, with data and artifacts on S3."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import boto3
import botocore.exceptions
import numpy as np
import pytest
from s3jobs import WAIT, channel, clustered, model_arrays, put_csv, put_pbr, request

from algorithms.image_jobs import put_classification_manifest
from emulator.jobdata import K, centre_error

pytestmark = pytest.mark.slow


def error_of(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def wait(sagemaker, name):
    sagemaker.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName=name, WaiterConfig=WAIT)
    return sagemaker.describe_training_job(TrainingJobName=name)


@pytest.mark.parametrize("mode, put, content_type", [("File", put_csv, "text/csv;label_size=0"),
                                                     ("Pipe", put_pbr, None)])
def test_kmeans_trains_from_s3_and_writes_its_model_to_s3(sagemaker, s3_server, s3_bucket, mode, put,
                                                          content_type):
    s3 = s3_server.client()
    rows = clustered(900)
    put(s3, s3_bucket, "train/part-0", rows[:450])
    put(s3, s3_bucket, "train/part-1", rows[450:])
    name = f"kmeans-{mode.lower()}"
    req = request(name, [channel("train", f"s3://{s3_bucket}/train/", content_type)], mode,
                  OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/output"})
    arn = sagemaker.create_training_job(**req)["TrainingJobArn"]
    assert arn.endswith(f":training-job/{name}")

    job = wait(sagemaker, name)
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Completed", "Completed"), job.get("FailureReason")
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]] == [
        "Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert job["TrainingJobArn"] == arn
    assert job["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{s3_bucket}/train/"
    uri = job["ModelArtifacts"]["S3ModelArtifacts"]
    assert uri == f"s3://{s3_bucket}/output/{name}/output/model.tar.gz"
    (centroids,) = model_arrays(s3, uri)
    assert centroids.shape == (K, rows.shape[1]) and centre_error(centroids) < 0.5
    assert job["CreationTime"] <= job["TrainingStartTime"] <= job["TrainingEndTime"]


def test_errors_come_back_in_aws_shape(sagemaker, s3_bucket):
    req = request("bad_name", [channel("train", f"s3://{s3_bucket}/train/")])
    code, message = error_of(sagemaker.create_training_job, **req)
    assert code == "ValidationException" and "trainingJobName" in message and "bad_name" in message

    req = request("bad-channel", [channel("train", f"s3://{s3_bucket}/train/", CompressionType="Zip")],
                  OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/out"})
    code, message = error_of(sagemaker.create_training_job, **req)
    assert code == "ValidationException"
    assert "inputDataConfig.1.member.compressionType" in message and "Zip" in message

    code, message = error_of(sagemaker.describe_training_job, TrainingJobName="never-created")
    assert code == "ValidationException" and message.startswith("Requested resource not found")
    with pytest.raises(sagemaker.exceptions.ResourceNotFound):
        sagemaker.stop_training_job(TrainingJobName="never-created")


def test_a_taken_name_is_resource_in_use(sagemaker, s3_bucket):
    req = request("taken", [channel("train", f"s3://{s3_bucket}/nothing/")],
                  OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/out"})
    sagemaker.create_training_job(**req)
    with pytest.raises(sagemaker.exceptions.ResourceInUse) as caught:
        sagemaker.create_training_job(**req)
    assert "already exists" in caught.value.response["Error"]["Message"]


@pytest.mark.parametrize("where, uri, expected", [
    ("input", "s3://no-such-bucket-smemu/train/", "bucket 'no-such-bucket-smemu' does not exist"),
    ("input", "s3://{bucket}/empty/", "No S3 objects found under S3 URL \"s3://{bucket}/empty/\""),
    ("output", "s3://no-such-bucket-smemu/out", "s3://no-such-bucket-smemu/out/"),
])
def test_missing_s3_locations_fail_the_job_naming_the_uri(sagemaker, s3_server, s3_bucket, where, uri,
                                                          expected):
    uri, expected = uri.format(bucket=s3_bucket), expected.format(bucket=s3_bucket)
    put_csv(s3_server.client(), s3_bucket, "train/part-0", clustered(90))
    train = uri if where == "input" else f"s3://{s3_bucket}/train/"
    output = uri if where == "output" else f"s3://{s3_bucket}/out"
    name = f"missing-{where}-{abs(hash(uri)) % 10**6}"
    sagemaker.create_training_job(**request(name, [channel("train", train)],
                                            OutputDataConfig={"S3OutputPath": output}))
    with pytest.raises(botocore.exceptions.WaiterError):   # Failed is the waiter's failure state
        sagemaker.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName=name,
                                                                       WaiterConfig=WAIT)
    job = sagemaker.describe_training_job(TrainingJobName=name)
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError: ") and expected in job["FailureReason"]


def test_keys_with_dot_dot_never_escape_the_channel(sagemaker, server, s3_server, s3_bucket):
    s3 = s3_server.client()
    put_csv(s3, s3_bucket, "train/ok.csv", clustered(90))
    put_csv(s3, s3_bucket, "train/../../../escaped.csv", clustered(90))
    sagemaker.create_training_job(**request("dot-dot", [channel("train", f"s3://{s3_bucket}/train/")],
                                            OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/o"}))
    with pytest.raises(botocore.exceptions.WaiterError):
        wait(sagemaker, "dot-dot")
    job = sagemaker.describe_training_job(TrainingJobName="dot-dot")
    assert "outside its channel directory" in job["FailureReason"]
    assert not list(server.jobs_root.parent.rglob("escaped.csv"))


def test_stop_training_job_stops_a_running_job(sagemaker, server, s3_server, s3_bucket):
    put_pbr(s3_server.client(), s3_bucket, "train/part-0", clustered(300))
    req = request("to-stop", [channel("train", f"s3://{s3_bucket}/train/", None)], "Pipe",
                  HyperParameters={"epochs": "100000"},
                  OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/out"})
    sagemaker.create_training_job(**req)
    # wait until the container trains, then stop it
    for _ in range(600):
        if sagemaker.describe_training_job(TrainingJobName="to-stop")["SecondaryStatus"] == "Training":
            break
        time.sleep(0.1)
    # Pipe mode streams the objects from S3 into the FIFOs without landing them on disk
    data = server.jobs_root / "to-stop" / "opt_ml" / "input" / "data"
    assert [p.name for p in data.rglob("*") if p.is_file()] == []
    assert any(p.is_fifo() for p in data.glob("train_*"))
    sagemaker.stop_training_job(TrainingJobName="to-stop")
    assert sagemaker.describe_training_job(TrainingJobName="to-stop")["TrainingJobStatus"] in (
        "Stopping", "Stopped")
    job = wait(sagemaker, "to-stop")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "Stopped")
    assert "Stopping" in [t["Status"] for t in job["SecondaryStatusTransitions"]]
    code, message = error_of(sagemaker.stop_training_job, TrainingJobName="to-stop")
    assert code == "ValidationException" and "status Stopped" in message


def test_list_training_jobs_filters_sorts_and_pages(start_server, s3_bucket):
    sagemaker = start_server().client()
    names = [f"listed-{letter}" for letter in "cabed"] + ["other-one"]
    for name in names:   # these fail at once: their channel is empty
        sagemaker.create_training_job(**request(name, [channel("train", f"s3://{s3_bucket}/none/")],
                                                OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/o"}))
    for name in names:
        with pytest.raises(botocore.exceptions.WaiterError):
            wait(sagemaker, name)

    def listed(**kwargs):
        return [s["TrainingJobName"] for s in sagemaker.list_training_jobs(**kwargs)["TrainingJobSummaries"]]

    assert listed() == list(reversed(names))   # newest first by default
    assert listed(SortBy="Name", SortOrder="Ascending", NameContains="listed") == sorted(names[:5])
    assert listed(StatusEquals="Completed") == []
    assert len(listed(StatusEquals="Failed")) == 6
    summary = sagemaker.list_training_jobs(MaxResults=1)["TrainingJobSummaries"][0]
    assert set(summary) >= {"TrainingJobName", "TrainingJobArn", "CreationTime", "TrainingJobStatus"}
    created = [sagemaker.describe_training_job(TrainingJobName=n)["CreationTime"] for n in names[1:3]]
    between = created[0] + (created[1] - created[0]) / 2
    assert listed(CreationTimeAfter=between, SortOrder="Ascending") == names[2:]
    assert listed(CreationTimeBefore=between, SortOrder="Ascending") == names[:2]

    pages, token = [], None
    while True:
        answer = sagemaker.list_training_jobs(MaxResults=2, SortBy="Name", SortOrder="Descending",
                                              **({"NextToken": token} if token else {}))
        pages.append([s["TrainingJobName"] for s in answer["TrainingJobSummaries"]])
        token = answer.get("NextToken")
        if not token:
            break
    assert pages == [["other-one", "listed-e"], ["listed-d", "listed-c"], ["listed-b", "listed-a"]]
    paginated = sagemaker.get_paginator("list_training_jobs").paginate(
        SortBy="Name", PaginationConfig={"PageSize": 4})
    assert [s["TrainingJobName"] for page in paginated for s in page["TrainingJobSummaries"]] == \
        sorted(names, reverse=True)
    code, message = error_of(sagemaker.list_training_jobs, NextToken=token or "bm9wZQ==", SortBy="Name")
    assert code == "ValidationException" and "pagination token" in message


def raw_post(url: str, target: str, body: bytes):
    http = urllib.request.Request(url, data=body, method="POST", headers={
        "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    try:
        with urllib.request.urlopen(http, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_protocol_errors(server):
    status, body = raw_post(server.url, "SageMaker.DeleteEverything", b"{}")
    assert status == 400 and body["__type"] == "UnknownOperationException"
    status, body = raw_post(server.url, "SageMaker.DescribeTrainingJob", b"{not json")
    assert status == 400 and body["__type"] == "SerializationException"
    status, body = raw_post(server.url, "SageMaker.DescribeTrainingJob",
                            json.dumps({"TrainingJobName": "../../etc"}).encode())
    assert status == 400 and body["__type"] == "ValidationException" and "pattern" in body["message"]
    big = json.dumps({"TrainingJobName": "x", "Padding": "x" * (10 * 1024 * 1024)}).encode()
    status, body = raw_post(server.url, "SageMaker.CreateTrainingJob", big)
    assert status == 413 and body["__type"] == "ValidationException" and "10 MB" in body["message"]


def test_sharded_by_s3_key_feeds_algo_1_its_share_and_prints_every_hosts(sagemaker, server, s3_server,
                                                                          s3_bucket):
    s3 = s3_server.client()
    rows = clustered(900)
    for number in range(6):   # algo-1 gets part-0 and part-3; the others' parts are not even k-means data
        data = rows[number * 150:(number + 1) * 150] if number % 3 == 0 else \
            np.ones((10, rows.shape[1] + 1), np.float32)
        put_csv(s3, s3_bucket, f"sharded/part-{number}", data)
    source = channel("train", f"s3://{s3_bucket}/sharded/")
    source["DataSource"]["S3DataSource"]["S3DataDistributionType"] = "ShardedByS3Key"
    req = request("sharded", [source], OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/o"},
                  ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 3, "VolumeSizeInGB": 10})
    sagemaker.create_training_job(**req)
    job = wait(sagemaker, "sharded")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    log = (server.jobs_root / "sharded" / "logs.txt").read_text()
    assert "Channel train (ShardedByS3Key) over 3 instances; smemu runs algo-1 only" in log
    for host, parts in (("algo-1", (0, 3)), ("algo-2", (1, 4)), ("algo-3", (2, 5))):
        uris = ", ".join(f"s3://{s3_bucket}/sharded/part-{n}" for n in parts)
        assert f"  {host}: 2 objects (" in log and f"bytes): {uris}" in log


def test_the_jobs_log_reads_as_cloudwatch_logs(server, sagemaker, s3_server, s3_bucket):
    put_csv(s3_server.client(), s3_bucket, "train/part-0", clustered(300))
    sagemaker.create_training_job(**request("logged", [channel("train", f"s3://{s3_bucket}/train/")],
                                            OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/o"}))
    wait(sagemaker, "logged")
    logs = boto3.client("logs", endpoint_url=server.url)
    group = "/aws/sagemaker/TrainingJobs"
    streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="logged/",
                                        orderBy="LogStreamName")["logStreams"]
    assert [s["logStreamName"].rsplit("-", 1)[0] for s in streams] == ["logged/algo-1"]
    stream = streams[0]["logStreamName"]
    lines, token = [], None
    while True:
        page = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True,
                                   limit=7, **({"nextToken": token} if token else {}))
        lines += [event["message"] for event in page["events"]]
        if not page["events"]:
            break
        token = page["nextForwardToken"]
    assert lines == (server.jobs_root / "logged" / "logs.txt").read_text().splitlines()
    assert any("#quality_metric: host=algo-1, train msd <loss>=" in line for line in lines)
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_log_events(logGroupName=group, logStreamName="never-created/algo-1-1")


def test_an_augmented_manifest_job_through_the_api(sagemaker, s3_server, s3_bucket):
    """What a Ground Truth user sends: CreateTrainingJob for image classification with
    AugmentedManifestFile channels (AttributeNames, Pipe mode, RecordIO wrapping) on S3; File mode
    is refused at CreateTrainingJob as the API reference says."""
    from smemu.algorithms.image_classification import sample as ic_sample

    s3 = s3_server.client()
    channels = []
    for name, seed, count in (("train", 41, 60), ("validation", 42, 30)):
        uri = put_classification_manifest(s3, s3_bucket, f"gt/{name}", seed, count,
                                          **{"class-metadata": {"type": "groundtruth"}})
        channels.append({
            "ChannelName": name, "ContentType": "application/x-recordio",
            "RecordWrapperType": "RecordIO", "InputMode": "Pipe",
            "DataSource": {"S3DataSource": {"S3DataType": "AugmentedManifestFile",
                                            "S3Uri": uri,
                                            "AttributeNames": ["source-ref", "class"],
                                            "S3DataDistributionType": "FullyReplicated"}}})
    image = "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1"
    req = request("ic-augmented", channels, "Pipe",
                  AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "Pipe"},
                  OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/output"})
    req["HyperParameters"] = {**ic_sample.HYPERPARAMETERS, "num_training_samples": "60",
                              "epochs": "5"}
    sagemaker.create_training_job(**req)
    job = wait(sagemaker, "ic-augmented")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    final = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert final["validation:accuracy"] > 0.7                  # chance is 1/3
    assert job["InputDataConfig"][0]["DataSource"]["S3DataSource"]["AttributeNames"] == [
        "source-ref", "class"]

    for ch in channels:
        ch["InputMode"] = "File"
    req.update(TrainingJobName="ic-augmented-file", InputDataConfig=channels)
    code, message = error_of(sagemaker.create_training_job, **req)
    assert code == "ValidationException" and "AugmentedManifestFile" in message
    assert "Pipe" in message
