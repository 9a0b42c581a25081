"""The AWS CLI (v1, from the test extras) against ``smemu server``, with the job's data on S3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from s3jobs import channel, clustered, model_arrays, put_csv, request

from emulator.jobdata import K, centre_error

pytestmark = pytest.mark.slow


def aws(server, *args, check=True) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).with_name("aws")
    result = subprocess.run([sys.executable, str(executable), *args, "--endpoint-url", server.url,
                             "--output", "json"],
                            capture_output=True, text=True, timeout=300, env=dict(os.environ))
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_cli_input_json_creates_a_job_the_cli_waits_for_and_describes(server, s3_server, s3_bucket,
                                                                      tmp_path):
    rows = clustered(600)
    put_csv(s3_server.client(), s3_bucket, "train/part-0", rows)
    req = request("from-the-cli", [channel("train", f"s3://{s3_bucket}/train/")],
                  OutputDataConfig={"S3OutputPath": f"s3://{s3_bucket}/cli-output"})
    (tmp_path / "job.json").write_text(json.dumps(req))
    created = json.loads(aws(server, "sagemaker", "create-training-job", "--cli-input-json",
                             f"file://{tmp_path / 'job.json'}").stdout)
    assert created["TrainingJobArn"].endswith(":training-job/from-the-cli")

    aws(server, "sagemaker", "wait", "training-job-completed-or-stopped",
        "--training-job-name", "from-the-cli")
    job = json.loads(aws(server, "sagemaker", "describe-training-job",
                         "--training-job-name", "from-the-cli").stdout)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    (centroids,) = model_arrays(s3_server.client(), job["ModelArtifacts"]["S3ModelArtifacts"])
    assert centroids.shape == (K, rows.shape[1]) and centre_error(centroids) < 0.5

    listed = json.loads(aws(server, "sagemaker", "list-training-jobs", "--name-contains", "cli").stdout)
    assert [s["TrainingJobName"] for s in listed["TrainingJobSummaries"]] == ["from-the-cli"]

    again = aws(server, "sagemaker", "create-training-job", "--cli-input-json",
                f"file://{tmp_path / 'job.json'}", check=False)
    assert again.returncode != 0
    assert "(ResourceInUse) when calling the CreateTrainingJob operation" in again.stderr
