"""A real ``smemu server`` process on loopback, talking to the moto S3 server: ``SmemuServer`` and
the ``server`` (one per test module) and ``start_server`` fixtures, for the API and endpoint tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from smemu.pytest_plugin import SmemuServer  # noqa: F401  (tests import it from here)

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
