"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import functools
import os

import pytest

import oracle as _oracle
from s3server import s3_bucket, s3_server  # noqa: F401  (the moto S3 endpoint; tests/s3server.py)
from smemu_server import server, start_server  # noqa: F401  (a live smemu server; tests/smemu_server.py)


@pytest.fixture(scope="session")
def oracle_python():
    """Path of the oracle environment's python (real mxnet 1.9.1, numpy 1.23.5, sagemaker v2).
    Built and cached on first use; skipped when it cannot be built, except under CI=true, where
    that is a failure."""
    try:
        return _oracle.ensure_oracle()
    except _oracle.OracleUnavailable as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the oracle environment could not be built: {e}")
        pytest.skip(f"the oracle environment could not be built: {e}")


@pytest.fixture(scope="session")
def run_oracle(oracle_python):
    """``run_oracle(code, *args, input=None, text=True) -> stdout``: runs a Python snippet in the
    oracle environment."""
    return functools.partial(_oracle.run_oracle, oracle_python)
