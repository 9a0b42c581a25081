"""A real S3 endpoint on loopback for the tests: moto's server mode on a free port.

Nothing is patched: the code under test reaches it through boto3 over HTTP, configured the standard
way (``AWS_ENDPOINT_URL_S3`` and dummy credentials in the environment), exactly as it would reach
MinIO or real S3. conftest.py imports the fixtures from here.
"""

from __future__ import annotations

import itertools

import pytest




@pytest.fixture(scope="session")
def s3_server(smemu_s3):
    """The plugin's local S3 (moto's server on loopback); the session's AWS configuration points
    at it."""
    return smemu_s3


_bucket_numbers = itertools.count()


@pytest.fixture
def s3_bucket(s3_server, request):
    """A new, empty bucket on the test S3 server; its name."""
    name = f"smemu-{next(_bucket_numbers)}-{request.node.name.lower()}"
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in name)[:63].rstrip("-")
    s3_server.client().create_bucket(Bucket=name)
    return name
