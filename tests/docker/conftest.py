"""Docker tests: an engine and smemu's images, built once per session (and kept by the engine
between sessions: an image whose inputs have not changed is not rebuilt).

Under CI (CI=true) a missing engine fails these tests; elsewhere they skip, saying why. The base
image is made offline with debootstrap unless SMEMU_TEST_DOCKER_BASE names one (e.g.
python:3.11-slim on a machine that reaches a registry).
"""

from __future__ import annotations

import os
import sys

import pytest

from smemu.emulator import images


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI runs the Docker tests and needs a Docker engine: {reason}", pytrace=False)
    pytest.skip(f"no Docker engine: {reason}")


@pytest.fixture(scope="session")
def docker_client():
    try:
        return images.docker_client()
    except images.EngineUnavailable as exc:
        _unavailable(str(exc))


@pytest.fixture(scope="session")
def smemu_images(docker_client) -> dict[str, str]:
    """algorithm name -> image name, every image current."""
    base = os.environ.get("SMEMU_TEST_DOCKER_BASE")
    if not base and os.geteuid() != 0 and not _has_offline_base(docker_client):
        _unavailable("making the offline base image needs root; set SMEMU_TEST_DOCKER_BASE to a "
                     "base image with python3 and pip")
    log = lambda text: print(f"[smemu images] {text}", file=sys.stderr)  # noqa: E731
    results = images.build_images(docker_client, base=base or images.DEFAULT_BASE,
                                  offline_base=not base, log=log)
    return {r.name.split("/", 1)[1].split(":")[0]: r.name for r in results}


def _has_offline_base(client) -> bool:
    try:
        client.images.get(images.OFFLINE_BASE)
        return True
    except Exception:
        return False
