"""A Docker container dies with the smemu process that started it, and the next smemu process
removes what is left (issue: a kill -9 of `smemu train --backend docker` left the container
running)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from smemu.emulator import supervision
from smemu.emulator.backends.docker import JOB_LABEL, OWNER_LABEL

import jobdata

pytestmark = pytest.mark.docker

RUN = uuid.uuid4().hex[:8]
# the CLI, but with this session's image tag (the images the fixture built)
CLI = ("import sys\nfrom smemu.emulator import image_names\nimage_names.IMAGE_TAG = sys.argv[1]\n"
       "from smemu.cli import main\nraise SystemExit(main(sys.argv[2:]))\n")


def _containers(client, name):
    return client.containers.list(all=True, filters={"label": f"{JOB_LABEL}={name}"})


def test_sigkill_of_smemu_train_ends_and_then_removes_its_container(docker_client, smemu_images,
                                                                     tmp_path):
    name = f"lifeline-{RUN}"
    jobdata.write_pbr(tmp_path / "data" / "part.pbr", jobdata.clustered(900))
    request = jobdata.request(name, [jobdata.channel("train", str(tmp_path / "data"),
                                                     "application/x-recordio-protobuf")],
                              mode="Pipe", HyperParameters={"epochs": "1000000"},
                              OutputDataConfig={"S3OutputPath": str(tmp_path / "out")})
    job = tmp_path / "job.json"
    job.write_text(json.dumps(request))
    env = dict(os.environ, SMEMU_HOME=str(tmp_path / "home"))
    tag = smemu_images["kmeans"].split(":", 1)[1]
    cli = subprocess.Popen([sys.executable, "-c", CLI, tag, "train", "--job", str(job),
                            "--backend", "docker", "--quiet"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not any(c.status == "running" for c in _containers(docker_client, name)):
            assert time.monotonic() < deadline, "the container never ran"
            time.sleep(0.2)
        (container,) = _containers(docker_client, name)
        assert container.labels[OWNER_LABEL] == str(cli.pid)
        time.sleep(2)                              # well into the Pipe epochs
        cli.send_signal(signal.SIGKILL)
        cli.wait(10)
        deadline = time.monotonic() + 15
        while True:
            container.reload()
            if container.status != "running":
                break
            assert time.monotonic() < deadline, "the container outlived smemu train by 15 s"
            time.sleep(0.2)
        assert container.attrs["State"]["ExitCode"] == 137
        # the next smemu process removes it, by the id its predecessor recorded
        os.environ["SMEMU_HOME"] = str(tmp_path / "home")
        try:
            ended = supervision.reap_orphans()
        finally:
            del os.environ["SMEMU_HOME"]
        assert any(container.id[:12] in line for line in ended)
        assert _containers(docker_client, name) == []
    finally:
        if cli.poll() is None:
            cli.kill()
        for leftover in _containers(docker_client, name):
            leftover.remove(force=True)
