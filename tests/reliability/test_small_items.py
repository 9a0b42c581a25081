"""Issue 14's smaller items: validate on broken Gzip Pipe channels (16), a job file that is not
UTF-8 (17), and staged input copies of a killed job (19)."""

import gzip
import json
import signal

from procs import ROOT, container_pids, pipe_job, wait_for


def gzip_channel_job(tmp_path, name, data: bytes):
    data_dir = tmp_path / f"{name}-data"
    data_dir.mkdir()
    (data_dir / "a.csv.gz").write_bytes(gzip.compress(b"1,2,3,4,5,6,7\n" * 50))
    (data_dir / "b.csv.gz").write_bytes(data)
    job = json.loads(pipe_job(tmp_path, name, epochs=1).read_text())
    channel = job["InputDataConfig"][0]
    channel["CompressionType"] = "Gzip"
    channel["DataSource"]["S3DataSource"]["S3Uri"] = data_dir.as_uri() + "/"
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(job))
    return path, (data_dir / "b.csv.gz").as_uri()


BROKEN = {
    "not-gzip": b"1,2,3,4,5,6,7\n" * 10,
    "truncated": gzip.compress(b"1,2,3,4,5,6,7\n" * 500)[:-20],
}


def test_validate_json_reports_a_broken_gzip_object_by_name(sandbox):
    for case, data in BROKEN.items():
        job, bad = gzip_channel_job(sandbox.tmp, case, data)
        done = sandbox.run("validate", "--job", str(job), "--json")
        assert "Traceback" not in done.stderr, done.stderr
        report = json.loads(done.stdout)
        assert done.returncode == 1
        assert any(bad in json.dumps(problem) and "gunzip" in json.dumps(problem)
                   for problem in report["problems"]), report


def test_train_names_the_broken_gzip_object(sandbox):
    job, bad = gzip_channel_job(sandbox.tmp, "train-gz", BROKEN["not-gzip"])
    done = sandbox.run("train", "--job", str(job), "--quiet")
    assert done.returncode == 1
    record = sandbox.describe("train-gz")
    assert record["TrainingJobStatus"] == "Failed"
    assert bad in record["FailureReason"] and "gunzip" in record["FailureReason"]


def test_a_job_file_that_is_not_utf8_is_a_usage_error(sandbox):
    job = sandbox.tmp / "latin1.json"
    job.write_bytes(b'{\n "TrainingJobName": "caf\xe9"\n}\n')
    done = sandbox.run("train", "--job", str(job))
    assert done.returncode == 2
    assert "not UTF-8" in done.stderr and "line 2" in done.stderr and str(job) in done.stderr
    assert "Traceback" not in done.stderr


def test_a_killed_job_s_staged_copies_are_removed(sandbox):
    job = json.loads(pipe_job(sandbox.tmp, "copies").read_text())
    job["AlgorithmSpecification"]["TrainingInputMode"] = "File"
    for channel in job["InputDataConfig"]:
        channel["InputMode"] = "File"
    path = sandbox.tmp / "copies-file.json"
    path.write_text(json.dumps(job))
    process = sandbox.popen("train", "--job", str(path), "--quiet")
    data = sandbox.home / "jobs" / "copies" / "opt_ml" / "input" / "data" / "train"
    wait_for(lambda: container_pids(sandbox.token) and any(data.glob("*.csv")), timeout=120,
             what="the container training on its staged copy")
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert sandbox.wait_for_no_survivors() == []
    assert sandbox.describe("copies")["TrainingJobStatus"] == "Failed"
    assert not data.exists()
    assert not (sandbox.home / "jobs" / "copies" / ".reserve").exists()
    assert (ROOT / "examples" / "data" / "kmeans").is_dir()     # the user's data stays
