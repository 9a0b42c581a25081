"""Fixtures for the endpoint tests: a live ``smemu server`` (tests/api/conftest.py's SmemuServer)
and k-means models written with smemu.formats, with the numpy arithmetic answers are checked
against (helpers in endpoint_helpers.py)."""

from __future__ import annotations

import pytest
from api.conftest import SmemuServer  # tests/api/conftest.py: smemu server in a subprocess
from endpoint_helpers import CENTROIDS, write_model


@pytest.fixture(scope="module")
def server(s3_server, tmp_path_factory):
    running = SmemuServer(tmp_path_factory.mktemp("jobs"))
    yield running
    running.stop()


@pytest.fixture
def start_server(s3_server, tmp_path):
    """``start_server(jobs_root)``: a server of the test's own, stopped at the end."""
    started = []

    def start(jobs_root, *options):
        running = SmemuServer(jobs_root, *options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture(scope="module")
def model_uri(tmp_path_factory):
    """file:// URI of a k-means model.tar.gz holding CENTROIDS."""
    return write_model(tmp_path_factory.mktemp("model"), CENTROIDS).as_uri()
