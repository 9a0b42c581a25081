"""The hyperparameter tuning operations through boto3 and the AWS CLI against ``smemu server``:
create, describe until Completed, list, the training jobs it ran (in ListTrainingJobs too), stop,
and the errors SageMaker answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import botocore.exceptions
import pytest

from tuning.tuningdata import kmeans_data, tuning_request

pytestmark = pytest.mark.slow


def wait_until_done(sagemaker, name, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        if answer["HyperParameterTuningJobStatus"] not in ("InProgress", "Stopping"):
            return answer
        time.sleep(0.5)
    raise AssertionError(f"{name} did not end")


def test_create_describe_list_through_boto3(sagemaker, tmp_path):
    data = kmeans_data(tmp_path / "data")
    request = tuning_request("api-tune", data, tmp_path / "out", max_jobs=3, parallel=2, RandomSeed=4)
    request["Tags"] = [{"Key": "team", "Value": "search"}]
    created = sagemaker.create_hyper_parameter_tuning_job(**request)
    assert created["HyperParameterTuningJobArn"].endswith(":hyper-parameter-tuning-job/api-tune")
    answer = wait_until_done(sagemaker, "api-tune")
    assert answer["HyperParameterTuningJobStatus"] == "Completed"
    assert answer["TrainingJobStatusCounters"]["Completed"] == 3
    assert answer["ObjectiveStatusCounters"]["Succeeded"] == 3
    best = answer["BestTrainingJob"]
    assert best["FinalHyperParameterTuningJobObjectiveMetric"]["MetricName"] == "test:msd"

    jobs = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="api-tune", SortBy="FinalObjectiveMetricValue",
        SortOrder="Ascending")["TrainingJobSummaries"]
    values = [j["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for j in jobs]
    assert len(jobs) == 3 and values == sorted(values)
    assert jobs[0]["TrainingJobName"] == best["TrainingJobName"]
    for job in jobs:
        described = sagemaker.describe_training_job(TrainingJobName=job["TrainingJobName"])
        assert described["TuningJobArn"] == created["HyperParameterTuningJobArn"]
        assert described["HyperParameters"]["k"] == job["TunedHyperParameters"]["k"]
        # the tuning job's tags are its training jobs' tags
        assert sagemaker.list_tags(ResourceArn=job["TrainingJobArn"])["Tags"] == request["Tags"]
    listed = sagemaker.list_training_jobs(NameContains="api-tune")["TrainingJobSummaries"]
    assert {j["TrainingJobName"] for j in listed} == {j["TrainingJobName"] for j in jobs}

    page = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="api-tune", MaxResults=2)
    rest = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="api-tune", MaxResults=2, NextToken=page["NextToken"])
    assert len(page["TrainingJobSummaries"]) == 2 and len(rest["TrainingJobSummaries"]) == 1
    assert "NextToken" not in rest

    summaries = sagemaker.list_hyper_parameter_tuning_jobs(NameContains="api")["HyperParameterTuningJobSummaries"]
    assert [(s["HyperParameterTuningJobName"], s["Strategy"], s["HyperParameterTuningJobStatus"])
            for s in summaries] == [("api-tune", "Random", "Completed")]

    with pytest.raises(botocore.exceptions.ClientError) as again:
        sagemaker.create_hyper_parameter_tuning_job(**request)
    assert again.value.response["Error"]["Code"] == "ResourceInUse"
    with pytest.raises(botocore.exceptions.ClientError) as ended:
        sagemaker.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="api-tune")
    assert "status Completed" in ended.value.response["Error"]["Message"]


def test_errors(sagemaker, tmp_path):
    with pytest.raises(sagemaker.exceptions.ResourceNotFound):
        sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="nobody")
    request = tuning_request("bad-tune", tmp_path, tmp_path / "out", metric="train:msd",
                             ranges={"IntegerParameterRanges": [{"Name": "k", "MinValue": "0", "MaxValue": "3"}]})
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sagemaker.create_hyper_parameter_tuning_job(**request)
    message = refused.value.response["Error"]["Message"]
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert message.startswith("2 validation errors detected")
    assert "train:msd" in message and "outside the valid range of 'k'" in message
    relative = tuning_request("rel-tune", tmp_path, tmp_path / "out")
    relative["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"] = "file://out"
    with pytest.raises(botocore.exceptions.ClientError) as local:
        sagemaker.create_hyper_parameter_tuning_job(**relative)
    assert "relative file:// URI" in local.value.response["Error"]["Message"]


def test_stop_through_the_aws_cli(server, tmp_path):
    data = kmeans_data(tmp_path / "data")
    request = tuning_request("cli-tune", data, tmp_path / "out", max_jobs=3, parallel=1,
                             static={"epochs": "3000"})
    (tmp_path / "tuning.json").write_text(json.dumps(request))
    aws = [sys.executable, str(Path(sys.executable).with_name("aws"))]
    options = ["--endpoint-url", server.url, "--output", "json"]
    created = subprocess.run([*aws, "sagemaker", "create-hyper-parameter-tuning-job", "--cli-input-json",
                              f"file://{tmp_path / 'tuning.json'}", *options],
                             capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert created.returncode == 0, created.stderr
    sagemaker = server.client()
    deadline = time.monotonic() + 60
    while not sagemaker.list_training_jobs(NameContains="cli-tune", StatusEquals="InProgress")["TrainingJobSummaries"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    stopped = subprocess.run([*aws, "sagemaker", "stop-hyper-parameter-tuning-job",
                              "--hyper-parameter-tuning-job-name", "cli-tune", *options],
                             capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert stopped.returncode == 0, stopped.stderr
    answer = wait_until_done(sagemaker, "cli-tune")
    assert answer["HyperParameterTuningJobStatus"] == "Stopped"
    assert answer["TrainingJobStatusCounters"]["Stopped"] == 1
    assert answer["TrainingJobStatusCounters"]["InProgress"] == 0
    jobs = sagemaker.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="cli-tune")["TrainingJobSummaries"]
    assert [j["TrainingJobStatus"] for j in jobs] == ["Stopped"]


def test_a_tuning_job_whose_server_died_is_failed_by_the_next(start_server, tmp_path):
    first = start_server(tmp_path / "jobs")
    data = kmeans_data(tmp_path / "data")
    first.client().create_hyper_parameter_tuning_job(**tuning_request(
        "orphan", data, tmp_path / "out", max_jobs=2, parallel=1, static={"epochs": "3000"}))
    deadline = time.monotonic() + 60
    while not first.client().list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    first.kill()
    second = start_server(tmp_path / "jobs").client()
    answer = second.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="orphan")
    assert answer["HyperParameterTuningJobStatus"] == "Failed"
    assert "ended before the tuning job did" in answer["FailureReason"]
    assert answer["TrainingJobStatusCounters"]["InProgress"] == 0
    assert answer["TrainingJobStatusCounters"]["RetryableError"] == 1   # its job died with it
