"""smemu's pytest plugin: test SageMaker client code in CI against a local SageMaker.

Installed with smemu (entry point ``pytest11``), it adds these fixtures (all per test session):

* ``smemu_s3``: a local S3 endpoint (moto's server mode on a free loopback port, so
  ``pip install 'smemu[pytest]'``); the AWS configuration of the session points at it
  (``AWS_ENDPOINT_URL_S3``, dummy credentials, region us-east-1, no ``~/.aws``);
* ``smemu_server``: ``smemu server`` on a free loopback port with its own jobs root;
  everything it starts (jobs, endpoints) is stopped with it at the end of the session. CloudWatch
  Logs and metrics clients of the session point at it (``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS``,
  ``AWS_ENDPOINT_URL_CLOUDWATCH``), so ``fit()`` prints job logs and ``training_job_analytics``
  works;
* ``smemu_bucket``: a bucket on that S3;
* ``sagemaker_client``, ``sagemaker_runtime_client``, ``logs_client``: boto3 clients of it;
* ``sagemaker_session``: a SageMaker Python SDK ``Session`` wired to all of it, with
  ``default_bucket`` set (the SDK asks the real STS for the account otherwise — it passes STS an
  explicit endpoint URL, so ``AWS_ENDPOINT_URL_STS`` does not reach it).

The SDK's own waiters sleep before their first look (5 s for a training job, 30 s for an
endpoint; ``benchmarks/bench_sdk_round_trip.py`` measures a round trip), and no Session argument
or waiter setting shortens them without patching the SDK; code that creates resources with
``wait=False`` and waits with a boto3 waiter (``WaiterConfig={"Delay": 1}``) is not slowed.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "smemu-test-key", "AWS_SECRET_ACCESS_KEY": "smemu-test-secret"}
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


class LocalS3:
    """moto's S3 server on 127.0.0.1 and a free port."""

    def __init__(self):
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def client(self):
        import boto3

        return boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION).client("s3", endpoint_url=self.url)

    def environment(self) -> dict[str, str]:
        """What a process (smemu server, the AWS CLI, the SDK) needs to reach this store."""
        return {**CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL_S3": self.url}

    def stop(self) -> None:
        self._server.stop()


class SmemuServer:
    """``smemu server --port 0`` in a subprocess of its own process group; ``url`` is where it
    listens. ``stop()`` ends it and every process it started."""

    def __init__(self, jobs_root: Path, *options: str, python: str = sys.executable):
        self.jobs_root = Path(jobs_root)
        self.process = subprocess.Popen(
            [python, "-m", "smemu", "server", "--port", "0", "--jobs-root", str(jobs_root),
             *options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ),
            start_new_session=True)
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

    def client(self, service: str = "sagemaker"):
        import boto3
        from botocore.config import Config

        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            config=Config(retries={"max_attempts": 1}))

    def children(self) -> list[int]:
        """Processes this server started (the jobs' containers, the endpoints)."""
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
        for pid in orphans + [self.process.pid]:   # each job process leads its own group
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process.stdout.close()


@pytest.fixture(scope="session")
def smemu_s3(tmp_path_factory):
    """A local S3 endpoint; the session's AWS configuration points at it."""
    s3 = LocalS3()
    home = tmp_path_factory.mktemp("aws-config")
    with pytest.MonkeyPatch.context() as patch:
        # the user's own ~/.aws must neither leak into the tests nor be touched by them
        patch.setenv("AWS_CONFIG_FILE", str(home / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            patch.delenv(name, raising=False)
        for name, value in s3.environment().items():
            patch.setenv(name, value)
        yield s3
    s3.stop()


@pytest.fixture(scope="session")
def smemu_server(smemu_s3, tmp_path_factory):
    """``smemu server`` for the session; CloudWatch clients point at it."""
    server = SmemuServer(tmp_path_factory.mktemp("smemu-jobs"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", server.url)
        patch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", server.url)
        yield server
    server.stop()


@pytest.fixture(scope="session")
def smemu_bucket(smemu_s3):
    """A bucket on the local S3 (``smemu-sagemaker``)."""
    smemu_s3.client().create_bucket(Bucket="smemu-sagemaker")
    return "smemu-sagemaker"


@pytest.fixture(scope="session")
def sagemaker_client(smemu_server):
    return smemu_server.client("sagemaker")


@pytest.fixture(scope="session")
def sagemaker_runtime_client(smemu_server):
    return smemu_server.client("sagemaker-runtime")


@pytest.fixture(scope="session")
def logs_client(smemu_server):
    return smemu_server.client("logs")


@pytest.fixture(scope="session")
def sagemaker_session(smemu_server, smemu_bucket, sagemaker_client, sagemaker_runtime_client):
    """A SageMaker Python SDK Session on smemu and the local S3 (``sagemaker`` must be
    installed)."""
    import boto3
    import sagemaker

    boto_session = boto3.Session(region_name=REGION)
    return sagemaker.Session(boto_session=boto_session, default_bucket=smemu_bucket,
                             sagemaker_client=sagemaker_client,
                             sagemaker_runtime_client=sagemaker_runtime_client)


@pytest.fixture(scope="session")
def sagemaker_role() -> str:
    """A role ARN for estimators (smemu does not check it)."""
    return ROLE
