"""smemu's Docker images: what is in them, how they are cached and rebuilt."""

from __future__ import annotations

import json
import os
import threading
import uuid

import pytest

from smemu.algorithms import algorithm_names
from smemu.emulator import image_names, images

pytestmark = pytest.mark.docker

PROBE = """
import importlib.metadata as md, importlib.util as u, json, os, sys
print(json.dumps({
    "python": "%d.%d" % sys.version_info[:2],
    "versions": {n: md.version(n) for n in sys.argv[1:] + ["smemu"]},
    "host_only": [m for m in ("flask", "boto3", "botocore", "docker", "requests")
                  if u.find_spec(m)],
    "algorithm": os.environ.get("SMEMU_ALGORITHM"),
    "containers": u.find_spec("smemu.containers") is not None,
}))
"""


def _probe(client, image: str) -> dict:
    names = images.runtime_dependencies()
    out = client.containers.run(image, ["python3", "-c", PROBE, *names], entrypoint=[],
                                remove=True, network_mode="none")
    return json.loads(out.decode().strip().splitlines()[-1])


def test_every_algorithm_has_its_tag(smemu_images):
    assert sorted(smemu_images) == algorithm_names()
    assert smemu_images["kmeans"] == images.image_name("kmeans")
    assert smemu_images["kmeans"].startswith("smemu/kmeans:")
    assert smemu_images["linear-learner"].startswith("smemu/linear-learner:")


@pytest.mark.parametrize("algorithm", algorithm_names())
def test_image_holds_only_what_runs_in_a_container(docker_client, smemu_images, algorithm):
    facts = _probe(docker_client, smemu_images[algorithm])
    assert facts["python"] == "3.11"
    assert facts["algorithm"] == algorithm
    assert facts["containers"]
    assert facts["host_only"] == []
    # the host's own numpy/scipy/protobuf, so both backends compute the same bytes
    pins = dict(p.split("==") for p in images.dependency_pins())
    assert {k: facts["versions"][k] for k in pins} == pins
    import smemu
    assert facts["versions"]["smemu"] == smemu.__version__


def test_entrypoint_is_exec_form_and_takes_train_or_serve(docker_client, smemu_images):
    config = docker_client.images.get(smemu_images["kmeans"]).attrs["Config"]
    assert config["Entrypoint"] == ["python3", "-m", "smemu.containers"]
    assert not config.get("Cmd")  # SageMaker passes `train` or `serve` itself


def test_label_is_the_hash_of_what_went_in(docker_client, smemu_images):
    root = images.source_root()
    base = os.environ.get("SMEMU_TEST_DOCKER_BASE") or images.OFFLINE_BASE
    for algorithm, name in smemu_images.items():
        want = images.content_hash(
            dockerfile=(root / "Dockerfile").read_bytes(), base_id=docker_client.images.get(base).id,
            source=images.source_digest(root), pins=images.dependency_pins(), algorithm=algorithm)
        assert docker_client.images.get(name).labels[images.CONTENT_LABEL] == want


def test_current_images_are_not_rebuilt(docker_client, smemu_images):
    base = os.environ.get("SMEMU_TEST_DOCKER_BASE")
    before = {n: docker_client.images.get(n).id for n in smemu_images.values()}
    results = images.build_images(docker_client, base=base or images.DEFAULT_BASE,
                                  offline_base=not base, log=lambda _: None)
    assert [r.built for r in results] == [False] * len(results)
    assert {r.name: r.image_id for r in results} == before


def test_a_stale_image_is_rebuilt_and_the_old_one_dropped(docker_client, smemu_images, monkeypatch):
    monkeypatch.setattr(image_names, "IMAGE_REPOSITORY", f"smemu-test-{uuid.uuid4().hex[:8]}")
    base = os.environ.get("SMEMU_TEST_DOCKER_BASE")
    name = images.image_name("kmeans")
    build = lambda: images.build_images(  # noqa: E731
        docker_client, base=base or images.DEFAULT_BASE, offline_base=not base,
        algorithms=["kmeans"], log=lambda _: None)
    try:
        # an image under the tag whose label does not match (here: an unlabelled stand-in)
        stand_in = docker_client.containers.create(smemu_images["kmeans"], ["true"], entrypoint=[])
        repository, tag = name.split(":")
        old = stand_in.commit(repository=repository, tag=tag, changes=[
            f"LABEL {images.CONTENT_LABEL}=stale"])
        stand_in.remove()
        (result,) = build()
        assert result.built
        fresh = docker_client.images.get(name)
        assert fresh.id != old.id
        assert fresh.labels[images.CONTENT_LABEL] == \
            docker_client.images.get(smemu_images["kmeans"]).labels[images.CONTENT_LABEL]
        with pytest.raises(Exception):
            docker_client.images.get(old.id)  # the stale image is gone
        assert [r.built for r in build()] == [False]
    finally:
        try:
            docker_client.images.remove(name, force=True)
        except Exception:
            pass


def test_missing_image_says_how_to_build_it(docker_client, monkeypatch):
    monkeypatch.setattr(image_names, "IMAGE_TAG", "never-built")
    with pytest.raises(images.ImageError, match=r"smemu/kmeans:never-built does not exist.*"
                                                r"smemu build-images"):
        images.require_image(docker_client, "kmeans")


def test_fifos_work_through_the_bind_mount(docker_client, smemu_images, tmp_path):
    """Pipe mode: the host makes the FIFO in the mounted tree and writes; the container reads."""
    data = tmp_path / "opt_ml" / "input" / "data"
    data.mkdir(parents=True)
    fifo = data / "train_0"
    os.mkfifo(fifo)
    payload = os.urandom(3_000_000)  # larger than a pipe's buffer: both ends must stream
    errors = []

    def feed():
        try:
            with open(fifo, "wb") as f:
                f.write(payload)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    reader = ("import hashlib; d = open('/opt/ml/input/data/train_0', 'rb').read(); "
              "print(len(d), hashlib.sha256(d).hexdigest())")
    out = docker_client.containers.run(
        smemu_images["kmeans"], ["python3", "-c", reader], entrypoint=[], remove=True,
        network_mode="none", volumes={str(tmp_path / "opt_ml"): {"bind": "/opt/ml", "mode": "rw"}})
    writer.join(timeout=30)
    import hashlib
    assert not errors
    assert out.decode().split() == [str(len(payload)), hashlib.sha256(payload).hexdigest()]
