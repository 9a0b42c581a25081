"""``smemu train``, ``smemu describe`` and ``smemu list`` as a user runs them."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from smemu.formats import load_ndarrays

from jobdata import centre_error, clustered, write_csv

ROOT = Path(__file__).resolve().parents[2]


def smemu(*args, home, cwd=None):
    env = dict(os.environ, SMEMU_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "smemu", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def example(tmp_path):
    """A copy of the repository's examples/ (so outputs land in tmp_path)."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples",
                    ignore=shutil.ignore_patterns("output"))
    return tmp_path / "examples" / "kmeans-job.json"


def test_readme_example_job_runs_and_runs_again(tmp_path, example):
    first = smemu("train", "--job", str(example), home=tmp_path / "home")
    assert first.returncode == 0, first.stderr
    artifact = tmp_path / "examples/output/kmeans-example/output/model.tar.gz"
    assert f"Model artifact: {artifact}" in first.stderr
    assert "Completed - Training job completed" in first.stderr
    assert "#quality_metric: host=algo-1, train msd <loss>=" in first.stdout
    with tarfile.open(artifact) as tar:
        (centroids,) = load_ndarrays(tar.extractfile("model_algo-1"))
    assert centroids.shape == (5, 7)

    again = smemu("train", "--job", str(example), "--quiet", home=tmp_path / "home")
    assert again.returncode == 0, again.stderr
    assert "'kmeans-example' is already used; running this job as 'kmeans-example-20" in again.stderr
    assert again.stdout == ""

    listed = smemu("list", home=tmp_path / "home")
    assert listed.returncode == 0
    names = [line.split()[0] for line in listed.stdout.splitlines()[1:]]
    assert len(names) == 2 and names[1] == "kmeans-example" and names[0].startswith("kmeans-example-20")

    described = smemu("describe", "kmeans-example", home=tmp_path / "home")
    record = json.loads(described.stdout)
    assert record["TrainingJobStatus"] == "Completed"
    assert record["ModelArtifacts"]["S3ModelArtifacts"] == f"file://{artifact}"
    assert record["CreationTime"].endswith("+00:00")


def test_an_explicit_name_already_used_is_refused(tmp_path, example):
    assert smemu("train", "--job", str(example), "--quiet", "--name", "mine",
                 home=tmp_path / "home").returncode == 0
    second = smemu("train", "--job", str(example), "--quiet", "--name", "mine", home=tmp_path / "home")
    assert second.returncode == 1
    assert "ResourceInUse" in second.stderr and "already exists" in second.stderr


def test_malformed_job_file(tmp_path):
    job = tmp_path / "job.json"
    job.write_text('{"TrainingJobName": "x",\n "HyperParameters": {"k": "3",}}')
    result = smemu("train", "--job", str(job), home=tmp_path / "home")
    assert result.returncode == 2
    assert f"the job file {job} is not valid JSON" in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_request_lists_problems(tmp_path, example):
    request = json.loads(example.read_text())
    request["TrainingJobName"] = "under_score"
    request["InputDataConfig"][0]["InputMode"] = "Stream"
    job = tmp_path / "bad.json"
    job.write_text(json.dumps(request))
    result = smemu("train", "--job", str(job), home=tmp_path / "home")
    assert result.returncode == 2
    assert "TrainingJobName: Value 'under_score' must satisfy regular expression" in result.stderr
    assert "InputDataConfig[0].InputMode" in result.stderr


def test_flags_pipe_mode_job(tmp_path):
    write_csv(tmp_path / "data" / "train.csv", clustered(900))
    result = smemu("train", "--algorithm", "kmeans",
                   "--channel", "train=file://data/,content-type=text/csv;label_size=0",
                   "--hyperparameters", 'k=3,feature_dim=4,eval_metrics=["msd","ssd"]',
                   "--hyperparameters", "mini_batch_size=300",
                   "--input-mode", "Pipe", "--output", "file://out/", "--quiet",
                   home=tmp_path / "home", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (artifact,) = (tmp_path / "out").glob("kmeans-20*/output/model.tar.gz")
    with tarfile.open(artifact) as tar:
        (centroids,) = load_ndarrays(tar.extractfile("model_algo-1"))
    assert centre_error(centroids) < 0.2


def test_failed_job_exits_non_zero_with_the_failure_reason(tmp_path):
    write_csv(tmp_path / "data" / "train.csv", clustered(90))
    result = smemu("train", "--algorithm", "kmeans", "--channel", "train=data/,content-type=csv",
                   "--hyperparameters", "k=3,feature_dim=4", "--output", "out", "--quiet",
                   home=tmp_path / "home", cwd=tmp_path)
    assert result.returncode == 1
    assert "failed: ClientError: No iterator has been registered for ContentType ('csv', '1.0')" in result.stderr


def test_describe_unknown_job(tmp_path):
    result = smemu("describe", "nope", home=tmp_path / "home")
    assert result.returncode == 1 and "Could not find training job 'nope'" in result.stderr


def start_endless_job(tmp_path, name):
    """``smemu train`` of a k-means job that would run for ever, in its own process, returned
    once the job is Training, with the path of its record."""
    write_csv(tmp_path / "data" / "train.csv", clustered(900))
    env = dict(os.environ, SMEMU_HOME=str(tmp_path / "home"))
    job = subprocess.Popen(
        [sys.executable, "-m", "smemu", "train", "--algorithm", "kmeans", "--name", name,
         "--channel", "train=data/,content-type=text/csv;label_size=0", "--input-mode", "Pipe",
         "--hyperparameters", "k=3,feature_dim=4,mini_batch_size=10,epochs=1000000",
         "--output", "out", "--quiet"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    record = tmp_path / "home/jobs" / name / "job.json"
    deadline = time.monotonic() + 60
    while not (record.exists() and json.loads(record.read_text())["SecondaryStatus"] == "Training"):
        if time.monotonic() > deadline or job.poll() is not None:
            job.kill()
            pytest.fail(f"job {name} did not start training: {job.communicate()[1]}")
        time.sleep(0.1)
    return job, record


def test_stop_a_job_running_in_another_process(tmp_path):
    job, _ = start_endless_job(tmp_path, "long")
    try:
        stopped = smemu("stop", "long", home=tmp_path / "home")
        assert stopped.returncode == 0 and "Stopping training job long." in stopped.stdout
        _, err = job.communicate(timeout=60)
    finally:
        if job.poll() is None:
            job.kill()
    assert job.returncode == 1
    assert "Training job long stopped (Stopped)" in err
    again = smemu("stop", "long", home=tmp_path / "home")
    assert again.returncode == 1 and "The job status is Stopped" in again.stderr


def test_ctrl_c_stops_the_job_it_started(tmp_path):
    """Ctrl-C on ``smemu train`` stops the job (SIGTERM to the container) and waits for it:
    the record ends Stopped, not abandoned InProgress with the container still running."""
    job, record = start_endless_job(tmp_path, "interrupted")
    try:
        job.send_signal(signal.SIGINT)
        job.communicate(timeout=60)
    finally:
        if job.poll() is None:
            job.kill()
    final = json.loads(record.read_text())
    assert (final["TrainingJobStatus"], final["SecondaryStatus"]) == ("Stopped", "Stopped")
