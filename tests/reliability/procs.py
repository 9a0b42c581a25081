"""Real smemu processes to kill, and /proc walks to see what they left.

Every process a test starts gets ``SMEMU_HOME=<tmp>/home`` (which also holds smemu's run dir) and
a unique ``SMEMU_TEST_TOKEN``; the containers smemu starts inherit both, so :func:`tagged` finds
them by their environment even after they were re-parented to init — a walk of the killed
process' children alone would miss exactly the orphans this suite is about.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMEMU = [sys.executable, "-m", "smemu"]


class Sandbox:
    """One test's smemu world: a home, a token, and the processes started in it."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.home = tmp_path / "home"
        self.home.mkdir(exist_ok=True)
        self.token = uuid.uuid4().hex
        self.started: list[subprocess.Popen] = []

    @property
    def env(self) -> dict:
        env = dict(os.environ, SMEMU_HOME=str(self.home), SMEMU_TEST_TOKEN=self.token,
                   PYTHONUNBUFFERED="1")
        env.pop("SMEMU_RUN_DIR", None)
        return env

    def popen(self, *args, **options) -> subprocess.Popen:
        options.setdefault("stdout", subprocess.PIPE)
        options.setdefault("stderr", subprocess.PIPE)
        options.setdefault("stdin", subprocess.DEVNULL)
        process = subprocess.Popen([*SMEMU, *args], env=self.env, **options)
        self.started.append(process)
        return process

    def run(self, *args, timeout=120) -> subprocess.CompletedProcess:
        return subprocess.run([*SMEMU, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def describe(self, name: str, jobs_root: Path | None = None) -> dict:
        extra = ["--jobs-root", str(jobs_root)] if jobs_root else []
        done = self.run("describe", name, *extra)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def survivors(self) -> list[str]:
        """Processes of this test still running, but for the ones a test still holds."""
        mine = {p.pid for p in self.started if p.poll() is None}
        return [describe(pid) for pid in tagged(self.token) if pid not in mine]

    def wait_for_no_survivors(self, timeout: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            left = self.survivors()
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.1)

    def cleanup(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        for pid in tagged(self.token):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def tagged(token: str) -> list[int]:
    """Live (non-zombie) processes whose environment holds ``SMEMU_TEST_TOKEN=<token>``."""
    needle = f"SMEMU_TEST_TOKEN={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def describe(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        cmdline = "?"
    return f"{pid}: {cmdline.strip()}"


def fifo_holders(directory: Path) -> list[str]:
    """Processes with a FIFO under ``directory`` open (or blocked opening one: /proc shows the
    wait channel, so also any process whose cwd/fd points there)."""
    holders = []
    directory = str(directory)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith(directory):
                    holders.append(f"{describe(int(entry.name))} holds {target}")
        except OSError:
            continue
    return holders


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.05, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what or predicate}")


def pipe_job(tmp_path: Path, name: str, epochs: int = 100000) -> Path:
    """A k-means Pipe-mode job over the example data that makes many passes (one FIFO each)."""
    job = json.loads((ROOT / "examples" / "kmeans-job.json").read_text())
    job["TrainingJobName"] = name
    job["HyperParameters"]["epochs"] = str(epochs)
    job["AlgorithmSpecification"]["TrainingInputMode"] = "Pipe"
    for channel in job["InputDataConfig"]:
        channel["InputMode"] = "Pipe"
        channel["DataSource"]["S3DataSource"]["S3Uri"] = (ROOT / "examples" / "data" / "kmeans").as_uri() + "/"
    job["OutputDataConfig"]["S3OutputPath"] = (tmp_path / "output").as_uri()
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(job))
    return path


def fifos(job_dir: Path) -> list[Path]:
    data = job_dir / "opt_ml" / "input" / "data"
    if not data.is_dir():
        return []
    return [p for p in data.iterdir() if p.is_fifo()]


def container_pids(token: str, command: str = "train") -> list[int]:
    return [pid for pid in tagged(token)
            if f"smemu.containers {command}" in describe(pid)]


def start_server(sandbox: Sandbox, jobs_root: Path, *options: str):
    """``smemu server --port 0``; (process, url). Its stdout is a pipe the test holds."""
    import re

    process = sandbox.popen("server", "--port", "0", "--jobs-root", str(jobs_root), *options,
                            stderr=subprocess.STDOUT)
    lines = []
    for raw in process.stdout:
        line = raw.decode()
        lines.append(line)
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            return process, found.group(1), lines
    raise AssertionError("smemu server did not start:\n" + "".join(lines))


def sagemaker(url: str, service: str = "sagemaker"):
    import boto3
    from botocore.config import Config

    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(retries={"max_attempts": 1}))


def pipe_request(tmp_path: Path, name: str, epochs: int = 100000) -> dict:
    """The CreateTrainingJob request of :func:`pipe_job`, with absolute file:// URIs."""
    return json.loads(pipe_job(tmp_path, name, epochs).read_text())


def listening(port: int) -> str:
    """Who listens on 127.0.0.1:``port`` (``ss``'s line), or "" when nothing does."""
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True,
                         text=True).stdout
    return out.strip()
