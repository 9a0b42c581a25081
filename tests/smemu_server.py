"""A real ``smemu server`` process on loopback, talking to the moto S3 server: ``SmemuServer`` and
the ``server`` (one per test module) and ``start_server`` fixtures, for the API and endpoint tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

SMEMU = [sys.executable, "-m", "smemu"]


class SmemuServer:
    """``smemu server --port 0`` in a subprocess; ``url`` is where it listens."""

    def __init__(self, jobs_root: Path, *options: str):
        self.jobs_root = jobs_root
        self.process = subprocess.Popen(
            [*SMEMU, "server", "--port", "0", "--jobs-root", str(jobs_root), *options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ))
        self.output: list[str] = []
        self.url = None
        for line in self.process.stdout:
            self.output.append(line)
            found = re.search(r"listening on (http://\S+)", line)
            if found:
                self.url = found.group(1)
                break
        if self.url is None:
            self.process.wait(10)
            raise RuntimeError("smemu server did not start:\n" + "".join(self.output))
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self):
        for line in self.process.stdout:
            self.output.append(line)

    def client(self):
        return boto3.client("sagemaker", endpoint_url=self.url,
                            config=Config(retries={"max_attempts": 1}))

    def children(self) -> list[int]:
        """Processes this server started (the jobs' containers)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def kill(self) -> None:
        """Die as a crashed server dies (SIGKILL), and take the job processes it left with it."""
        orphans = self.children()
        self.process.kill()
        self.process.wait(10)
        for pid in orphans:   # each job process leads its own process group
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process.stdout.close()


@pytest.fixture(scope="module")
def server(s3_server, tmp_path_factory):
    """One smemu server for a test module (jobs root in a temporary directory)."""
    running = SmemuServer(tmp_path_factory.mktemp("jobs"))
    yield running
    running.stop()


@pytest.fixture
def start_server(s3_server, tmp_path):
    """``start_server(jobs_root=None, *options)`` for tests that need their own server(s)."""
    started = []

    def start(jobs_root=None, *options):
        running = SmemuServer(Path(jobs_root or tmp_path / "jobs"), *options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
