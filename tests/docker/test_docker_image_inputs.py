"""What goes into an image's content hash, the Debian mirror and wheel tags (no engine needed)."""

from __future__ import annotations

import pytest

from smemu.emulator import images


def _tree(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_source_digest_follows_the_package_and_ignores_bytecode_and_host_builds(tmp_path):
    root = _tree(tmp_path, {"pyproject.toml": "[project]\n", "README.md": "x\n",
                            "smemu/__init__.py": "", "smemu/a.py": "A = 1\n"})
    first = images.source_digest(root)
    _tree(root, {"smemu/__pycache__/a.cpython-311.pyc": "junk", "notes.txt": "not in the wheel",
                 "smemu/formats/_wire_c.cpython-311-x86_64-linux-gnu.so": "the host's build"})
    assert images.source_digest(root) == first
    _tree(root, {"smemu/a.py": "A = 2\n"})
    assert images.source_digest(root) != first
    _tree(root, {"smemu/a.py": "A = 1\n", "smemu/data/new.json": "{}"})
    assert images.source_digest(root) != first
    second = images.source_digest(root)
    _tree(root, {"setup.py": "from setuptools import setup\n"})  # builds the compiled decoder
    assert images.source_digest(root) != second


def test_content_hash_changes_with_each_input():
    args = dict(dockerfile=b"FROM x\n", base_id="sha256:1", source="s", pins=["numpy==2.0"],
                algorithm="kmeans")
    first = images.content_hash(**args)
    assert images.content_hash(**args) == first
    for key, other in [("dockerfile", b"FROM y\n"), ("base_id", "sha256:2"), ("source", "t"),
                       ("pins", ["numpy==2.1"]), ("algorithm", "linear-learner")]:
        assert images.content_hash(**{**args, key: other}) != first, key


def test_pins_are_the_host_versions_of_the_runtime_dependencies():
    import importlib.metadata

    import numpy, scipy, google.protobuf  # noqa: E401
    pins = images.dependency_pins()
    assert pins[:3] == [f"numpy=={numpy.__version__}", f"scipy=={scipy.__version__}",
                        f"protobuf=={google.protobuf.__version__}"]
    names = [pin.split("==")[0] for pin in pins]
    assert not set(names) & {"flask", "boto3", "docker"}
    assert "waitress" in names        # `serve` answers with it, in the container
    assert pins == [f"{n}=={importlib.metadata.version(n)}" for n in names]


def test_runtime_dependencies_are_the_declared_ones_but_the_host_side(tmp_path, monkeypatch):
    _tree(tmp_path, {"Dockerfile": "", "smemu/__init__.py": "", "pyproject.toml": (
        '[project]\nname = "smemu"\ndependencies = [\n  "numpy>=1.24",\n  "Flask>=3.0",\n'
        '  "protobuf>=6.31.1,<7",  # a comment\n  "docker>=7.0",\n  "boto3>=1.34",\n'
        '  "waitress>=3.0",\n  "threadpoolctl>=3.1",\n]\n')})
    monkeypatch.setattr(images, "source_root", lambda: tmp_path)
    assert images.runtime_dependencies() == ["numpy", "protobuf", "waitress", "threadpoolctl"]


def test_debian_mirror_from_the_environment(monkeypatch):
    monkeypatch.setenv("SMEMU_DEBIAN_MIRROR", "http://mirror.example/debian")
    assert images.debian_mirror() == "http://mirror.example/debian"


def test_platform_tags_cover_the_glibc_the_base_has():
    tags = images._platform_tags("x86_64", "glibc 2.36")
    assert tags[0] == "manylinux_2_36_x86_64"
    assert "manylinux_2_17_x86_64" in tags and "manylinux2014_x86_64" in tags
    assert "manylinux_2_37_x86_64" not in tags


def test_no_engine_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(images.EngineUnavailable) as info:
        images.docker_client()
    message = str(info.value)
    assert "unix:///nonexistent/docker.sock" in message
    assert "dockerd" in message and "--backend process" in message
    assert "\n" not in message


def test_docker_backend_without_engine_fails_the_run_saying_how_to_start_one(tmp_path, monkeypatch):
    from smemu.emulator.backends import ContainerRun
    from smemu.emulator.backends.docker import DockerBackend

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    outcome = DockerBackend().run(ContainerRun(job_dir=tmp_path, algorithm="kmeans"))
    assert outcome.exit_code is None
    assert "No Docker engine answers" in outcome.error and "dockerd" in outcome.error


def test_the_image_gets_a_pure_python_wheel(tmp_path):
    """The host's compiled decoder is built for the host's Python; the image's Python may differ,
    so its wheel holds none (and installs anywhere)."""
    import zipfile

    images.build_smemu_wheel(images.source_root(), tmp_path, log=lambda message: None)
    (wheel,) = tmp_path.glob("*.whl")
    assert wheel.name.endswith("-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "smemu/formats/wire.py" in names
    assert not [n for n in names if n.endswith(".so")]
