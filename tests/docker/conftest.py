"""Docker tests: an engine and smemu's images, built once per session (and kept by the engine
between sessions: an image whose inputs have not changed is not rebuilt).

Under CI (CI=true) a missing engine fails these tests; elsewhere they skip, saying why. The base
image is made offline with debootstrap unless SMEMU_TEST_DOCKER_BASE names one (e.g.
python:3.11-slim on a machine that reaches a registry).
"""

from __future__ import annotations

import os
import sys
import uuid

import pytest

from smemu.emulator import image_names, images


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
    """algorithm name -> image name, every image current.

    The session's images are tagged with the digest of the sources under test
    (``smemu/kmeans:test-<digest>``), not ``:1``: test runs of different checkouts sharing one
    engine then never run each other's code, and a user's own ``:1`` images are left alone.
    They are removed at the end; the dependencies' layer stays cached, so the next session's
    build takes seconds."""
    base = os.environ.get("SMEMU_TEST_DOCKER_BASE")
    if not base and os.geteuid() != 0 and not _has_offline_base(docker_client):
        _unavailable("making the offline base image needs root; set SMEMU_TEST_DOCKER_BASE to a "
                     "base image with python3 and pip")
    log = lambda text: print(f"[smemu images] {text}", file=sys.stderr)  # noqa: E731
    digest = images.source_digest(images.source_root())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(image_names, "IMAGE_TAG", f"test-{digest[:16]}")
        results = images.build_images(docker_client, base=base or images.DEFAULT_BASE,
                                      offline_base=not base, log=log)
        yield {r.name.split("/", 1)[1].split(":")[0]: r.name for r in results}
    for result in results:
        try:
            docker_client.images.remove(result.name)
        except Exception:   # still used by a container of a concurrent session: it stays
            pass


def _has_offline_base(client) -> bool:
    try:
        client.images.get(images.OFFLINE_BASE)
        return True
    except Exception:
        return False


# The emulator tests' job data (known clusters, CreateTrainingJob requests) serves these tests too.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "emulator"))

PROBE_SCRIPT = r'''
import json, os, signal, socket, sys, time
mode = sys.argv[1]
if mode == "report":
    facts = {"hostname": socket.gethostname(), "pid": os.getpid(), "uid": os.getuid(),
             "env": {k: v for k, v in os.environ.items()
                     if k.startswith(("TRAINING_JOB", "AWS_", "SMEMU_", "OPENBLAS_", "MY_"))},
             "interfaces": sorted(os.listdir("/sys/class/net")),
             "config": sorted(os.listdir("/opt/ml/input/config"))}
    with open("/opt/ml/output/data/probe.json", "w") as f:
        json.dump(facts, f)
    print("to stdout", flush=True)
    print("to stderr", file=sys.stderr, flush=True)
    sys.stdout.write("no newline at the end")
    sys.exit(3)
if mode == "trap":
    def stop(*_):
        print("got SIGTERM", flush=True)
        sys.exit(143)
    signal.signal(signal.SIGTERM, stop)
elif mode == "ignore":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("sleeping", flush=True)
time.sleep(120)
'''


@pytest.fixture(scope="session")
def probe_image(docker_client, smemu_images, tmp_path_factory):
    """smemu's image with a probe as entrypoint: reports what a container sees, or sleeps."""
    context = tmp_path_factory.mktemp("probe-image")
    (context / "probe.py").write_text(PROBE_SCRIPT)
    (context / "Dockerfile").write_text(
        f"FROM {smemu_images['kmeans']}\nCOPY probe.py /probe.py\n"
        'ENTRYPOINT ["python3", "/probe.py"]\n')
    tag = f"smemu-test/probe:{uuid.uuid4().hex[:12]}"   # this session's own
    image, _ = docker_client.images.build(path=str(context), tag=tag, rm=True,
                                          network_mode="none")
    yield image.id
    try:
        docker_client.images.remove(image.id, force=True)
    except Exception:
        pass
