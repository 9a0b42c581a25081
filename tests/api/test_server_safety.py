"""What a request can reach on the host, and what a restarted server says about its jobs."""

from __future__ import annotations

import json
import time

import botocore.exceptions
import pytest
from s3jobs import WAIT, channel, clustered, put_csv, put_pbr, request

from emulator.jobdata import write_csv

pytestmark = pytest.mark.slow


def validation_message(call, **kwargs) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**kwargs)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    return caught.value.response["Error"]["Message"]


def test_listens_on_loopback_by_default(server):
    assert server.url.startswith("http://127.0.0.1:")


def test_local_files_are_reachable_only_as_absolute_file_uris(sagemaker, tmp_path):
    write_csv(tmp_path / "data" / "train.csv", clustered(90))
    for uri in ("data/train.csv", str(tmp_path / "data"), "file://data/"):
        message = validation_message(sagemaker.create_training_job, **request(
            "local-path", [channel("train", uri)],
            OutputDataConfig={"S3OutputPath": (tmp_path / "out").as_uri()}))
        assert "inputDataConfig.1.member.dataSource.s3DataSource.s3Uri" in message
    sagemaker.create_training_job(**request(
        "local-file-uri", [channel("train", (tmp_path / "data").as_uri() + "/")],
        OutputDataConfig={"S3OutputPath": (tmp_path / "out").as_uri()}))
    sagemaker.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="local-file-uri",
                                                                   WaiterConfig=WAIT)
    assert (tmp_path / "out" / "local-file-uri" / "output" / "model.tar.gz").is_file()


def test_no_file_uris_refuses_every_local_location(start_server, s3_server, s3_bucket, tmp_path):
    sagemaker = start_server(None, "--no-file-uris").client()
    s3 = s3_server.client()
    write_csv(tmp_path / "secret" / "train.csv", clustered(90))
    message = validation_message(sagemaker.create_training_job, **request(
        "file-input", [channel("train", (tmp_path / "secret").as_uri() + "/")],
        OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/out"}))
    assert "--no-file-uris" in message
    put_csv(s3, s3_bucket, "train/part-0", clustered(90))
    message = validation_message(sagemaker.create_training_job, **request(
        "file-output", [channel("train", f"s3://{s3_bucket}/train/")],
        OutputDataConfig={"S3OutputPath": (tmp_path / "out").as_uri()}))
    assert "outputDataConfig.s3OutputPath" in message and "--no-file-uris" in message
    # a manifest on S3 pointing at the server's disk is refused when the job reads it
    manifest = [{"prefix": (tmp_path / "secret").as_uri() + "/"}, "train.csv"]
    s3.put_object(Bucket=s3_bucket, Key="manifest.json", Body=json.dumps(manifest).encode())
    sagemaker.create_training_job(**request(
        "file-manifest", [channel("train", f"s3://{s3_bucket}/manifest.json", S3DataType="ManifestFile")],
        OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/out"}))
    with pytest.raises(botocore.exceptions.WaiterError):
        sagemaker.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="file-manifest",
                                                                       WaiterConfig=WAIT)
    job = sagemaker.describe_training_job(TrainingJobName="file-manifest")
    assert "--no-file-uris" in job["FailureReason"] and "train.csv" in job["FailureReason"]


def test_environment_cannot_steer_the_host_process(sagemaker, s3_bucket):
    message = validation_message(sagemaker.create_training_job, **request(
        "env-preload", [channel("train", f"s3://{s3_bucket}/train/")],
        OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/out"},
        Environment={"LD_PRELOAD": "/tmp/evil.so", "PYTHONPATH": "/tmp", "FINE": "1"}))
    assert "LD_PRELOAD, PYTHONPATH" in message and "FINE" not in message


def test_a_restarted_server_lists_its_jobs_and_fails_the_ones_that_were_running(
        start_server, s3_server, s3_bucket, tmp_path):
    first = start_server(tmp_path / "jobs")
    sagemaker = first.client()
    put_pbr(s3_server.client(), s3_bucket, "train/part-0", clustered(300))
    output = {"S3OutputPath": f"s3://{s3_bucket}/out"}
    sagemaker.create_training_job(**request("finished", [channel("train", f"s3://{s3_bucket}/train/", None)],
                                            "Pipe", OutputDataConfig=output))
    sagemaker.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="finished",
                                                                   WaiterConfig=WAIT)
    sagemaker.create_training_job(**request("interrupted", [channel("train", f"s3://{s3_bucket}/train/", None)],
                                            "Pipe", OutputDataConfig=output,
                                            HyperParameters={"epochs": "100000"}))
    wait_until_training(sagemaker, "interrupted")
    first.kill()

    second = start_server(tmp_path / "jobs")
    sagemaker = second.client()
    assert any("interrupted was running" in line for line in second.output)
    listed = {s["TrainingJobName"]: s["TrainingJobStatus"]
              for s in sagemaker.list_training_jobs()["TrainingJobSummaries"]}
    assert listed == {"finished": "Completed", "interrupted": "Failed"}
    job = sagemaker.describe_training_job(TrainingJobName="interrupted")
    assert job["SecondaryStatus"] == "Failed"
    assert "ended before the job did" in job["FailureReason"]
    assert job["SecondaryStatusTransitions"][-1]["Status"] == "Failed"
    # a job running in another live server is left alone by a third one, which can still stop it
    sagemaker.create_training_job(**request("still-running", [channel("train", f"s3://{s3_bucket}/train/", None)],
                                            "Pipe", OutputDataConfig=output,
                                            HyperParameters={"epochs": "100000"}))
    wait_until_training(sagemaker, "still-running")
    third = start_server(tmp_path / "jobs").client()
    assert third.describe_training_job(TrainingJobName="still-running")["TrainingJobStatus"] == "InProgress"
    third.stop_training_job(TrainingJobName="still-running")
    third.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="still-running",
                                                               WaiterConfig=WAIT)
    assert third.describe_training_job(TrainingJobName="still-running")["TrainingJobStatus"] == "Stopped"


def wait_until_training(sagemaker, name):
    for _ in range(600):
        if sagemaker.describe_training_job(TrainingJobName=name)["SecondaryStatus"] == "Training":
            return
        time.sleep(0.1)
    raise AssertionError(f"{name} never started training")


def test_stopping_the_server_stops_its_jobs(start_server, s3_server, s3_bucket, tmp_path):
    running = start_server(tmp_path / "jobs")
    sagemaker = running.client()
    put_pbr(s3_server.client(), s3_bucket, "train/part-0", clustered(300))
    sagemaker.create_training_job(**request("until-shutdown", [channel("train", f"s3://{s3_bucket}/train/", None)],
                                            "Pipe", OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/out"},
                                            HyperParameters={"epochs": "100000"}))
    wait_until_training(sagemaker, "until-shutdown")
    running.stop()   # SIGTERM, as a service manager stops it
    assert running.process.returncode == 0
    record = json.loads((tmp_path / "jobs" / "until-shutdown" / "job.json").read_text())
    assert (record["TrainingJobStatus"], record["SecondaryStatus"]) == ("Stopped", "Stopped")
    assert not running.children()


@pytest.mark.parametrize("name", [".", ".."])
def test_channel_names_cannot_leave_the_data_directory(sagemaker, s3_bucket, name):
    message = validation_message(sagemaker.create_training_job, **request(
        "dots", [channel(name, f"s3://{s3_bucket}/train/")],
        OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/out"}))
    assert "inputDataConfig.1.member.channelName" in message and "outside /opt/ml/input/data" in message
