"""The API tests' boto3 client of the module's smemu server (tests/smemu_server.py)."""

import pytest


@pytest.fixture
def sagemaker(server):
    return server.client()
