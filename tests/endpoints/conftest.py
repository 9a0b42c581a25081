"""Fixtures for the endpoint tests: a live ``smemu server`` (tests/smemu_server.py)
and k-means models written with smemu.formats, with the numpy arithmetic answers are checked
against (helpers in endpoint_helpers.py)."""

from __future__ import annotations

import pytest
from endpoint_helpers import CENTROIDS, write_model


@pytest.fixture(scope="module")
def model_uri(tmp_path_factory):
    """file:// URI of a k-means model.tar.gz holding CENTROIDS."""
    return write_model(tmp_path_factory.mktemp("model"), CENTROIDS).as_uri()
