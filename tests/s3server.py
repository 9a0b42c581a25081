"""A real S3 endpoint on loopback for the tests: moto's server mode on a free port.

Nothing is patched: the code under test reaches it through boto3 over HTTP, configured the standard
way (``AWS_ENDPOINT_URL_S3`` and dummy credentials in the environment), exactly as it would reach
MinIO or real S3. conftest.py imports the fixtures from here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "smemu-test-key", "AWS_SECRET_ACCESS_KEY": "smemu-test-secret"}


@dataclass
class S3Server:
    url: str

    def client(self):
        return boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION).client("s3", endpoint_url=self.url)

    def environment(self) -> dict[str, str]:
        """What a child process (smemu server, the AWS CLI, the SDK) needs to reach this store."""
        return {**CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL_S3": self.url}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """Start moto's S3 server on 127.0.0.1 and point the standard AWS configuration at it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3 = S3Server(url=f"http://{host}:{port}")
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
    server.stop()


_bucket_numbers = itertools.count()


@pytest.fixture
def s3_bucket(s3_server, request):
    """A new, empty bucket on the test S3 server; its name."""
    name = f"smemu-{next(_bucket_numbers)}-{request.node.name.lower()}"
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in name)[:63].rstrip("-")
    s3_server.client().create_bucket(Bucket=name)
    return name
