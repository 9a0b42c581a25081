"""``smemu server`` killed, or shut down with a dead stdout, while it trains and serves: nothing
it started survives, and the next server finds final records and one listener per endpoint."""

import json
import signal
import sys
import urllib.parse
from pathlib import Path

from procs import (container_pids, fifo_holders, fifos, listening, pipe_request, sagemaker,
                   start_server, wait_for)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "endpoints"))
import endpoint_helpers  # noqa: E402


def start_training(client, sandbox, name):
    client.create_training_job(**pipe_request(sandbox.tmp, name))


def mid_epoch(jobs_root, name, sandbox):
    job_dir = jobs_root / name
    wait_for(lambda: any(p.name.split("_")[-1] not in ("0", "1") for p in fifos(job_dir))
             and container_pids(sandbox.token, "train"), timeout=120, what="a later Pipe epoch")
    return job_dir


def deploy(client, jobs_root, name, model_uri):
    endpoint_helpers.deploy(client, name, model_uri)
    return endpoint_port(jobs_root, name)


def endpoint_port(jobs_root, name):
    record = json.loads((jobs_root / ".hosting" / "endpoints" / f"{name}.json").read_text())
    return urllib.parse.urlsplit(record["_url"]).port


def test_sigkill_of_the_server_ends_its_containers_and_a_restart_serves_once(sandbox):
    jobs_root = sandbox.tmp / "jobs"
    server, url, _ = start_server(sandbox, jobs_root)
    client = sagemaker(url)
    start_training(client, sandbox, "first")
    job_dir = mid_epoch(jobs_root, "first", sandbox)
    model = (sandbox.tmp / "output" / "model.tar.gz")
    done = sandbox.run("train", "--job", str(_small_job(sandbox)), "--quiet")
    assert done.returncode == 0, done.stderr
    model = next((sandbox.tmp / "output" / "small").rglob("model.tar.gz"))
    old_port = deploy(client, jobs_root, "ep", model.as_uri())
    assert listening(old_port)

    server.send_signal(signal.SIGKILL)
    server.wait(10)
    left = sandbox.wait_for_no_survivors(timeout=10)
    assert left == [], f"still running after the server was killed: {left}"
    assert fifo_holders(job_dir) == []
    assert not listening(old_port)

    again, url, lines = start_server(sandbox, jobs_root)
    client = sagemaker(url)
    record = client.describe_training_job(TrainingJobName="first")
    assert record["TrainingJobStatus"] == "Failed"
    assert f"pid {server.pid}" in record["FailureReason"]
    client.get_waiter("endpoint_in_service").wait(EndpointName="ep",
                                                  WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
    assert len(container_pids(sandbox.token, "serve")) == 1
    assert endpoint_port(jobs_root, "ep") != old_port and not listening(old_port)
    before = {p: p.stat().st_mtime_ns for p in job_dir.rglob("*") if p.is_file()}
    assert not (job_dir / "opt_ml" / "model" / "model_algo-1").exists()
    again.send_signal(signal.SIGTERM)
    assert again.wait(60) == 0
    assert sandbox.wait_for_no_survivors(timeout=10) == []
    after = {p: p.stat().st_mtime_ns for p in job_dir.rglob("*") if p.is_file()}
    assert after == before


def _small_job(sandbox):
    from procs import pipe_job
    job = pipe_job(sandbox.tmp, "small", epochs=1)
    return job


def test_ctrl_c_with_stdout_gone_still_shuts_down(sandbox):
    """``smemu server | tee log`` and Ctrl-C: tee dies too, so every shutdown message meets a
    broken pipe. The shutdown must run anyway: jobs stopped, containers gone, exit 0."""
    jobs_root = sandbox.tmp / "jobs"
    server, url, _ = start_server(sandbox, jobs_root)
    client = sagemaker(url)
    start_training(client, sandbox, "piped")
    job_dir = mid_epoch(jobs_root, "piped", sandbox)
    server.stdout.close()                     # tee is gone
    server.send_signal(signal.SIGINT)
    assert server.wait(60) == 0
    left = sandbox.wait_for_no_survivors(timeout=10)
    assert left == [], f"still running after the server shut down: {left}"
    assert fifo_holders(job_dir) == []
    record = sandbox.describe("piped", jobs_root)
    assert record["TrainingJobStatus"] == "Stopped"


def test_train_with_stdout_gone_still_completes(sandbox):
    """``smemu train | head -1``: the log lines go nowhere, and the job still runs to its end."""
    from procs import pipe_job
    process = sandbox.popen("train", "--job", str(pipe_job(sandbox.tmp, "headed", epochs=300)))
    process.stdout.readline()
    process.stdout.close()
    _, err = process.communicate(timeout=90)
    assert process.returncode == 0, err.decode()
    assert sandbox.describe("headed")["TrainingJobStatus"] == "Completed"
    assert sandbox.wait_for_no_survivors(timeout=10) == []
