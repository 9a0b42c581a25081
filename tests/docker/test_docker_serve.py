"""``docker run <image> serve``: the serving container answers /ping and /invocations for a model
in /opt/ml/model, and stops on SIGTERM (``docker stop``) by itself, as PID 1."""

from __future__ import annotations

import json
import tarfile
import time

import numpy as np
import pytest

from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.formats import load_ndarrays

import jobdata

pytestmark = pytest.mark.docker

CLIENT = """
import sys, urllib.request
url = "http://127.0.0.1:8080" + sys.argv[1]
data = sys.argv[2].encode() if len(sys.argv) > 2 else None
request = urllib.request.Request(url, data=data, headers={"Content-Type": "text/csv",
                                                          "Accept": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        print(response.status, response.read().decode())
except OSError as exc:
    print("000", exc)
"""


def _call(container, path: str, body: str | None = None) -> tuple[int, str]:
    result = container.exec_run(["python3", "-c", CLIENT, path] + ([body] if body else []))
    status, _, text = result.output.decode().strip().partition(" ")
    return int(status), text


def test_kmeans_image_serves_its_model(docker_client, smemu_images, tmp_path):
    rows = jobdata.clustered(900)
    jobdata.write_csv(tmp_path / "data" / "train.csv", rows)
    request = jobdata.request("to-serve", [jobdata.channel("train", str(tmp_path / "data"))],
                              OutputDataConfig={"S3OutputPath": str(tmp_path / "out")})
    record = run_job(TrainingJobSpec.from_request(request), store=JobStore(tmp_path / "jobs"))
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    model_dir = tmp_path / "opt_ml" / "model"
    model_dir.mkdir(parents=True)
    with tarfile.open(tmp_path / "out" / "to-serve" / "output" / "model.tar.gz") as tar:
        tar.extractall(model_dir, filter="data")       # what SageMaker does with ModelDataUrl
    (centroids,) = load_ndarrays(model_dir / "model_algo-1")

    container = docker_client.containers.run(
        smemu_images["kmeans"], ["serve"], detach=True, network_mode="none", hostname="algo-1",
        volumes={str(tmp_path / "opt_ml"): {"bind": "/opt/ml", "mode": "ro"}})
    try:
        deadline = time.monotonic() + 60
        while (status := _call(container, "/ping"))[0] != 200:
            assert time.monotonic() < deadline, (status, container.logs().decode())
            time.sleep(0.25)
        assert status == (200, "")
        queries = rows[:5]
        body = "\n".join(",".join(f"{v:.5f}" for v in row) for row in queries)
        code, text = _call(container, "/invocations", body)
        assert code == 200, text
        predictions = json.loads(text)["predictions"]
        parsed = np.array([[float(v) for v in line.split(",")] for line in body.splitlines()],
                          dtype=np.float32)
        nearest = np.linalg.norm(parsed[:, None, :] - centroids[None], axis=2).argmin(axis=1)
        assert [int(p["closest_cluster"]) for p in predictions] == nearest.tolist()
        start = time.monotonic()
        container.stop(timeout=30)                      # SIGTERM, SIGKILL after 30 s
        assert time.monotonic() - start < 10            # it stopped on SIGTERM, not the kill
        container.reload()
        assert container.attrs["State"]["ExitCode"] != 137
    finally:
        container.remove(force=True)


def test_local_endpoint_with_the_docker_backend(docker_client, smemu_images, tmp_path):
    """The host side's LocalEndpoint serving through the Docker backend: the port published on
    127.0.0.1 only, /invocations answered from the host, the container gone after the stop."""
    import urllib.request

    from smemu.emulator.backends.docker import JOB_LABEL
    from smemu.emulator.serving import LocalEndpoint

    rows = jobdata.clustered(900)
    jobdata.write_csv(tmp_path / "data" / "train.csv", rows)
    request = jobdata.request("to-serve", [jobdata.channel("train", str(tmp_path / "data"))],
                              OutputDataConfig={"S3OutputPath": str(tmp_path / "out")})
    run_job(TrainingJobSpec.from_request(request), store=JobStore(tmp_path / "jobs"))
    model = tmp_path / "out" / "to-serve" / "output" / "model.tar.gz"
    lines = []
    with LocalEndpoint(str(model), "kmeans", port=0, backend="docker", on_log_line=lines.append,
                       stop_grace=10) as endpoint:
        mine = [c for c in docker_client.containers.list(filters={"label": JOB_LABEL})
                if f"{endpoint.port}/tcp" in c.attrs["HostConfig"]["PortBindings"]]
        assert len(mine) == 1
        container = mine[0]
        bindings = container.attrs["HostConfig"]["PortBindings"]
        assert bindings == {f"{endpoint.port}/tcp": [{"HostIp": "127.0.0.1",
                                                      "HostPort": str(endpoint.port)}]}
        body = "\n".join(",".join(f"{v:.5f}" for v in row) for row in rows[:3]).encode()
        call = urllib.request.Request(endpoint.url + "/invocations", data=body,
                                      headers={"Content-Type": "text/csv"})
        with urllib.request.urlopen(call, timeout=10) as response:
            predictions = json.loads(response.read())["predictions"]
        assert len(predictions) == 3 and all("closest_cluster" in p for p in predictions)
    assert [c for c in docker_client.containers.list(all=True) if c.id == container.id] == []
