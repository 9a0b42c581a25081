"""The runner's semantics with a scripted backend: what a container's exit means for the record."""

import tarfile
import time

from smemu.emulator.backends import Backend, RunOutcome
from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore

from jobdata import channel, clustered, request, write_csv


class Scripted(Backend):
    """Writes what a container would have written, then exits with ``code``."""

    name = "scripted"

    def __init__(self, code=0, failure=None, lines=(), wait_for=None):
        self.code, self.failure, self.lines, self.wait_for = code, failure, lines, wait_for
        self.seen = None

    def run(self, run):
        self.seen = run
        data = run.opt_ml / "input" / "data"
        deadline = time.monotonic() + 10
        while self.wait_for and not (data / self.wait_for).exists() and time.monotonic() < deadline:
            time.sleep(0.005)            # the feeder thread makes the FIFO
        self.staged = sorted(p.relative_to(data).as_posix() for p in data.rglob("*"))
        (run.opt_ml / "model" / "model_algo-1").write_bytes(b"model bytes")
        (run.opt_ml / "output" / "data" / "extra.txt").write_text("output data")
        if self.failure is not None:
            (run.opt_ml / "output" / "failure").write_text(self.failure)
        for line in self.lines:
            run.on_log_line(line)
        return RunOutcome(self.code)


def job(tmp_path, name, backend, channels=None, **overrides):
    write_csv(tmp_path / "data" / "train.csv", clustered(30))
    req = request(name, channels or [channel("train", "data/")], **overrides)
    spec = TrainingJobSpec.from_request(req, base_dir=str(tmp_path))
    return run_job(spec, store=JobStore(tmp_path / "jobs"), backend=backend)


def members(path):
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_container_environment_and_outputs(tmp_path):
    backend = Scripted()
    record = job(tmp_path, "ok", backend, Environment={"MY_VAR": "1"})
    assert record["TrainingJobStatus"] == "Completed"
    env = backend.seen.environment
    assert env["MY_VAR"] == "1" and env["TRAINING_JOB_NAME"] == "ok"
    assert env["TRAINING_JOB_ARN"] == record["TrainingJobArn"]
    assert backend.seen.algorithm == "kmeans" and backend.seen.max_runtime <= 600
    out = tmp_path / "out" / "ok" / "output"
    assert members(out / "model.tar.gz") == {"model_algo-1": b"model bytes"}
    assert members(out / "output.tar.gz") == {"extra.txt": b"output data"}


def test_exit_without_failure_file(tmp_path):
    record = job(tmp_path, "crash", Scripted(code=137))
    assert record["TrainingJobStatus"] == "Failed"
    assert record["FailureReason"] == "AlgorithmError: , exit code: 137"
    # artifacts are uploaded even when the job fails, as SageMaker does
    assert members(tmp_path / "out/crash/output/model.tar.gz") == {"model_algo-1": b"model bytes"}


def test_failure_file_is_the_reason_clipped_to_1024_characters(tmp_path):
    record = job(tmp_path, "long", Scripted(code=1, failure="ClientError: " + "x" * 2000))
    assert record["FailureReason"] == ("ClientError: " + "x" * 2000)[:1024]


def test_metrics_come_from_the_log_lines(tmp_path):
    lines = ["#quality_metric: host=algo-1, train msd <loss>=3.5",
             "[11/25/2026 19:30:02 INFO 1] #quality_metric: host=algo-1, train msd <loss>=2.25",
             "#progress_metric: host=algo-1, completed 100.0 % of epochs"]
    record = job(tmp_path, "metrics", Scripted(lines=lines))
    final = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    assert final == {"train:msd": 2.25, "train:progress": 100.0}
    assert (JobStore(tmp_path / "jobs").log_path("metrics").read_text().splitlines() == lines)


def test_a_job_whose_runner_died_is_recorded_as_failed(tmp_path):
    import subprocess
    import sys
    store = JobStore(tmp_path / "jobs")
    spec = TrainingJobSpec.from_request(request("orphan", [channel("train", "s3://b/p")]))
    from smemu.emulator.runner import new_record
    store.create(new_record(spec))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (store.job_dir("orphan") / JobStore.RUNNER).write_text(dead)
    record = store.load("orphan")
    assert (record["TrainingJobStatus"], record["SecondaryStatus"]) == ("Failed", "Failed")
    assert f"(pid {dead}) ended before the job did" in record["FailureReason"]
    assert JobStore(tmp_path / "jobs").load("orphan")["TrainingJobStatus"] == "Failed"


def test_a_running_job_is_not_mistaken_for_an_orphan(tmp_path):
    import os
    store = JobStore(tmp_path / "jobs")
    spec = TrainingJobSpec.from_request(request("alive", [channel("train", "s3://b/p")]))
    from smemu.emulator.runner import new_record
    store.create(new_record(spec))
    store.claim("alive")
    assert (store.job_dir("alive") / JobStore.RUNNER).read_text() == str(os.getpid())
    assert store.load("alive")["TrainingJobStatus"] == "InProgress"


def test_file_mode_copies_keep_relative_keys_and_pipe_mode_makes_fifos(tmp_path):
    write_csv(tmp_path / "nested" / "a" / "1.csv", clustered(30))
    write_csv(tmp_path / "nested" / "b.csv", clustered(30))
    backend = Scripted(wait_for="test_0")
    record = job(tmp_path, "layout", backend,
                 channels=[channel("train", "nested/"), channel("test", "data/", InputMode="Pipe")])
    assert record["TrainingJobStatus"] == "Completed"
    assert backend.staged == ["test_0", "train", "train/a", "train/a/1.csv", "train/b.csv"]
    assert not (JobStore(tmp_path / "jobs").job_dir("layout") / "opt_ml/input/data").exists()
    assert (tmp_path / "nested" / "b.csv").exists()
