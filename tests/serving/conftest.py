"""Fixtures for serving tests (helpers in serving_helpers.py)."""

from __future__ import annotations

import numpy as np
import pytest
from serving_helpers import LiveServer, write_kmeans_model


@pytest.fixture
def centroids():
    return np.random.default_rng(7).normal(size=(5, 6)).astype(np.float32) * 3


@pytest.fixture
def kmeans_root(tmp_path, centroids):
    write_kmeans_model(tmp_path, centroids)
    return tmp_path


@pytest.fixture
def kmeans_server(kmeans_root):
    server = LiveServer(kmeans_root, "kmeans")
    yield server
    server.close()
