"""``smemu train`` killed mid Pipe epoch: nothing it started survives, no FIFO stays blocked, and
the record ends with a final status and a reason — then nothing more is written."""

import os
import signal
import time

import pytest

from procs import container_pids, fifo_holders, fifos, pipe_job, wait_for


def start_pipe_job(sandbox, name):
    job = pipe_job(sandbox.tmp, name)
    process = sandbox.popen("train", "--job", str(job), "--name", name, "--quiet")
    job_dir = sandbox.home / "jobs" / name
    # mid Pipe epoch: the container has gone past its first pass and reads a later FIFO
    wait_for(lambda: any(p.name.split("_")[-1] not in ("0", "1") for p in fifos(job_dir))
             and container_pids(sandbox.token), timeout=120, what="a later Pipe epoch")
    return process, job_dir


def assert_nothing_written_after(job_dir, seconds=1.5):
    before = {p: p.stat().st_mtime_ns for p in job_dir.rglob("*") if p.is_file()}
    time.sleep(seconds)
    after = {p: p.stat().st_mtime_ns for p in job_dir.rglob("*") if p.is_file()}
    assert after == before


def test_sigkill_mid_pipe_epoch_leaves_nothing_running(sandbox):
    process, job_dir = start_pipe_job(sandbox, "killed-nine")
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    left = sandbox.wait_for_no_survivors(timeout=10)
    assert left == [], f"still running after smemu train was killed: {left}"
    assert fifo_holders(job_dir) == []
    record = sandbox.describe("killed-nine")
    assert record["TrainingJobStatus"] == "Failed"
    assert f"pid {process.pid}" in record["FailureReason"]
    assert_nothing_written_after(job_dir)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_termination_signal_stops_the_job(sandbox, sig):
    name = f"signalled-{sig.name.lower()}"
    process, job_dir = start_pipe_job(sandbox, name)
    process.send_signal(sig)
    out, err = process.communicate(timeout=60)
    left = sandbox.wait_for_no_survivors(timeout=10)
    assert left == [], f"still running after {sig.name}: {left}"
    assert fifo_holders(job_dir) == []
    record = sandbox.describe(name)
    assert record["TrainingJobStatus"] == "Stopped", err
    assert record["SecondaryStatusTransitions"][-1]["Status"] == "Stopped"
    assert process.returncode == 1 and f"Training job {name} stopped" in err.decode()
    assert_nothing_written_after(job_dir)


def test_restarted_cli_reaps_a_container_its_predecessor_left(sandbox):
    """Belt and braces: were a container to outlive its smemu process (here one whose lifeline
    is cut off from the start, as a process started by an older smemu would be), the next smemu
    process ends it by its recorded pid."""
    import json
    import subprocess
    import sys

    run = sandbox.home / "run"
    run.mkdir(parents=True)
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                              env=sandbox.env, start_new_session=True)
    sandbox.started.append(orphan)
    from smemu.emulator.supervision import start_time
    (run / f"{orphan.pid}.json").write_text(json.dumps({
        "owner_pid": owner.pid, "owner_start": start_time(owner.pid), "what": "train container",
        "pid": orphan.pid, "start": start_time(orphan.pid)}))
    owner.kill()
    owner.wait()
    done = sandbox.run("train", "--job", str(pipe_job(sandbox.tmp, "after", epochs=1)),
                       "--quiet")
    assert done.returncode == 0, done.stderr
    assert f"ended the train container (pid {orphan.pid})" in done.stderr
    orphan.wait(10)
    assert orphan.returncode == -signal.SIGKILL
    assert list(run.glob("*.json")) == []
    assert os.path.exists(sandbox.home / "jobs" / "after" / "job.json")


def many_files_job(sandbox, name, files=6000):
    """A File-mode job whose channel has many small files, so staging takes a while."""
    import json

    from procs import ROOT
    data = sandbox.tmp / f"{name}-data"
    data.mkdir()
    rows = (ROOT / "examples" / "data" / "kmeans").glob("*.csv")
    line = next(iter(next(rows).read_text().splitlines()))
    for i in range(files):
        (data / f"part-{i:05d}.csv").write_text(line + "\n")
    job = json.loads(pipe_job(sandbox.tmp, name, epochs=1).read_text())
    job["AlgorithmSpecification"]["TrainingInputMode"] = "File"
    channel = job["InputDataConfig"][0]
    channel["InputMode"] = "File"
    channel["DataSource"]["S3DataSource"]["S3Uri"] = data.as_uri() + "/"
    path = sandbox.tmp / f"{name}-file.json"
    path.write_text(json.dumps(job))
    return path


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_during_staging(sandbox, sig):
    name = f"staging-{sig.name.lower()}"
    process = sandbox.popen("train", "--job", str(many_files_job(sandbox, name)), "--quiet")
    job_dir = sandbox.home / "jobs" / name
    copies = job_dir / "opt_ml" / "input" / "data" / "train"
    wait_for(lambda: copies.is_dir() and next(copies.iterdir(), None) is not None, timeout=60,
             what="staging to begin")
    process.send_signal(sig)
    process.wait(60)
    assert sandbox.wait_for_no_survivors(timeout=10) == []
    record = sandbox.describe(name)
    expected = "Failed" if sig == signal.SIGKILL else "Stopped"
    assert record["TrainingJobStatus"] == expected
    assert "Training" not in [t["Status"] for t in record["SecondaryStatusTransitions"]]
    assert container_pids(sandbox.token) == []
    assert not copies.exists()
    assert_nothing_written_after(job_dir)
