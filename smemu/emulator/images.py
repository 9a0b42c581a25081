"""Building smemu's own Docker images, which run the built-in algorithms (which algorithm a job's
image names, and what smemu's images are called, is :mod:`smemu.emulator.image_names`: checking a
request needs that, never this module).

Every algorithm gets the tag ``smemu/<algorithm>:1`` (the way SageMaker has one image per built-in
algorithm, e.g. ``.../kmeans:1``), all built from the repository's ``Dockerfile`` and so sharing
every layer but the one that sets ``SMEMU_ALGORITHM``.

What goes into an image is hashed: the Dockerfile, the base image's id, smemu's source (every file
the wheel is built from), the versions of its runtime dependencies (the host's own, so that both
backends compute with the same libraries and write the same bytes) and the algorithm's name. The
hash is the image's ``org.smemu.content-hash`` label; an image whose label matches is kept, any other
is rebuilt.

On machines that reach no image registry, ``offline_base=True`` first makes a base image without
one: ``debootstrap --variant=minbase bookworm`` with python3 and pip, then ``docker import``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import smemu
from smemu import contract
from smemu.algorithms import algorithm_names
from smemu.emulator.image_names import image_name

DEFAULT_BASE = "python:3.11-slim"
OFFLINE_BASE = "smemu/base:bookworm"
CONTENT_LABEL = "org.smemu.content-hash"
RECIPE_LABEL = "org.smemu.base-recipe"
SOURCE_LABEL = "org.smemu.source-digest"  # smemu's sources alone: the Docker backend warns on a mismatch
# smemu's dependencies that only the host side uses (the API server, S3, this module); the image
# gets all the others, waitress included: the serving container answers with it
HOST_ONLY_DEPENDENCIES = frozenset({"flask", "boto3", "docker", "cbor2", "jsonpath-ng", "optuna"})
REQUIREMENTS_FILE = "runtime-requirements.txt"   # in the build context's wheels/dependencies/

DEBIAN_SUITE = "bookworm"          # its python3 is 3.11, like the wheels the host runs
DEBIAN_PACKAGES = ("python3", "python3-pip")
DEFAULT_MIRROR = "http://deb.debian.org/debian"

ENGINE_HELP = ("Start a Docker engine (as root: `dockerd &`, or `systemctl start docker`; in smemu's "
               "source checkout `sudo bash .ci/docker-engine.sh` installs and starts one), "
               "or run the job with the process backend (`--backend process`).")

Log = Callable[[str], None]


class ImageError(Exception):
    """An image could not be found, pulled or built; the message says what to do."""


class EngineUnavailable(ImageError):
    """No Docker engine answers."""


# ----------------------------------------------------------------------------------------------
# smemu's images

def docker_client():
    """A client of the Docker engine the environment names (DOCKER_HOST, else the local socket)."""
    try:
        import docker
    except ImportError as exc:  # pragma: no cover - docker is a dependency of smemu
        raise EngineUnavailable(f"The Python package 'docker' is missing ({exc}); "
                                "`pip install docker`.") from None
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # docker raises DockerException, requests' errors, OSError...
        where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        raise EngineUnavailable(f"No Docker engine answers at {where} ({_first_line(exc)}). "
                                f"{ENGINE_HELP}") from None
    return client


def require_image(client, algorithm: str):
    """The image for ``algorithm``; a missing one is an error saying how to build it."""
    import docker.errors

    name = image_name(algorithm)
    try:
        return client.images.get(name)
    except docker.errors.ImageNotFound:
        raise ImageError(f"The Docker image {name} does not exist. Build smemu's images with "
                         "`smemu build-images` (add `--offline-base` on a machine that reaches no "
                         "image registry).") from None


# ----------------------------------------------------------------------------------------------
# what goes into an image


def source_root() -> Path:
    """The checkout smemu runs from: the Dockerfile and pyproject.toml beside the package."""
    root = Path(smemu.__file__).resolve().parent.parent
    missing = [n for n in ("Dockerfile", "pyproject.toml") if not (root / n).is_file()]
    if missing:
        raise ImageError(f"Building smemu's images needs its source checkout, with the Dockerfile "
                         f"and pyproject.toml beside the smemu package, but {root} has no "
                         f"{' or '.join(missing)}. Clone the repository, `pip install -e .` it and "
                         "run `smemu build-images` there.")
    return root


def _wheel_sources(root: Path) -> Iterable[Path]:
    """The files smemu's wheel is built from (the package, its metadata and the README)."""
    for name in ("pyproject.toml", "setup.py", "README.md"):
        if (root / name).is_file():
            yield root / name
    for path in sorted((root / "smemu").rglob("*")):
        if (path.is_file() and "__pycache__" not in path.parts
                and path.suffix not in (".pyc", ".pyo", ".so")):  # .so: the host's build
            yield path


def source_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in _wheel_sources(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _declared_dependencies() -> list[str]:
    """``project.dependencies`` of the checkout's pyproject.toml (the installed metadata when
    there is no checkout or no TOML reader)."""
    try:
        import tomllib
        with open(source_root() / "pyproject.toml", "rb") as handle:
            return list(tomllib.load(handle)["project"]["dependencies"])
    except (ImportError, ImageError, KeyError):
        return [r for r in importlib.metadata.requires("smemu") or []
                if "extra" not in r.partition(";")[2]]


def runtime_dependencies() -> list[str]:
    """smemu's declared dependencies that run in a container (numpy, scipy, protobuf, ...)."""
    names = []
    for requirement in _declared_dependencies():
        name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0).lower()
        if name not in HOST_ONLY_DEPENDENCIES and name not in names:
            names.append(name)
    return names


def dependency_pins() -> list[str]:
    """``name==version`` of each runtime dependency, as installed where smemu runs on the host."""
    return [f"{name}=={importlib.metadata.version(name)}" for name in runtime_dependencies()]


def content_hash(*, dockerfile: bytes, base_id: str, source: str, pins: list[str],
                 algorithm: str) -> str:
    record = {"dockerfile": hashlib.sha256(dockerfile).hexdigest(), "base": base_id,
              "source": source, "pins": pins, "algorithm": algorithm}
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


# ----------------------------------------------------------------------------------------------
# the base image


def debian_mirror() -> str:
    """The Debian mirror apt uses here (SMEMU_DEBIAN_MIRROR overrides), else deb.debian.org."""
    if os.environ.get("SMEMU_DEBIAN_MIRROR"):
        return os.environ["SMEMU_DEBIAN_MIRROR"]
    texts = []
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        try:
            texts.append(path.read_text(errors="replace"))
        except OSError:
            continue
    for text in texts:
        # deb822: a stanza with "URIs:" and a "Suites:" line naming the suite
        for stanza in re.split(r"\n\s*\n", text):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:\s*(.*)$", stanza, re.M)
            if uris and suites and DEBIAN_SUITE in suites.group(1).split() \
                    and re.search(r"^Types:.*\bdeb\b", stanza, re.M):
                return uris.group(1)
        for line in text.splitlines():  # one-line format: deb [opts] URI SUITE COMPONENTS
            parts = re.sub(r"\[[^]]*\]", "", line).split()
            if len(parts) >= 3 and parts[0] == "deb" and parts[2] == DEBIAN_SUITE:
                return parts[1]
    return DEFAULT_MIRROR


def base_recipe() -> str:
    text = json.dumps({"suite": DEBIAN_SUITE, "variant": "minbase", "packages": DEBIAN_PACKAGES,
                       "machine": platform.machine()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def ensure_offline_base(client, *, mirror: str | None = None, force: bool = False,
                        log: Log = print):
    """The debootstrapped base image, made (about a minute) only when it is missing or stale."""
    import docker.errors

    recipe = base_recipe()
    try:
        image = client.images.get(OFFLINE_BASE)
        if not force and image.labels.get(RECIPE_LABEL) == recipe:
            log(f"base image {OFFLINE_BASE} is up to date")
            return image
    except docker.errors.ImageNotFound:
        pass
    debootstrap = shutil.which("debootstrap")
    if debootstrap is None:
        raise ImageError("Making the offline base image needs debootstrap: "
                         "`apt-get install -y debootstrap` (as root).")
    if os.geteuid() != 0:
        raise ImageError("Making the offline base image runs debootstrap, which needs root: "
                         "run `sudo smemu build-images --offline-base`, or pass an existing "
                         "image with --base.")
    mirror = mirror or debian_mirror()
    with tempfile.TemporaryDirectory(prefix="smemu-base-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        log(f"debootstrap {DEBIAN_SUITE} (minbase, {', '.join(DEBIAN_PACKAGES)}) from {mirror}")
        run = subprocess.run(
            [debootstrap, "--variant=minbase", f"--include={','.join(DEBIAN_PACKAGES)}",
             DEBIAN_SUITE, str(rootfs), mirror],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if run.returncode != 0:
            tail = "\n".join(run.stdout.splitlines()[-15:])
            raise ImageError(f"debootstrap {DEBIAN_SUITE} from {mirror} failed (exit "
                             f"{run.returncode}); set SMEMU_DEBIAN_MIRROR to a reachable Debian "
                             f"mirror. Its last lines:\n{tail}")
        for junk in ("var/lib/apt/lists", "var/cache/apt", "usr/share/doc", "usr/share/man",
                     "usr/share/locale", "usr/share/info", "var/log"):
            target = rootfs / junk
            if target.is_dir():
                shutil.rmtree(target)
                target.mkdir()
        log(f"importing the root file system as {OFFLINE_BASE}")
        tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."],
                               stdout=subprocess.PIPE)
        try:
            repository, tag = OFFLINE_BASE.rsplit(":", 1)
            client.api.import_image(
                src=tar.stdout, repository=repository, tag=tag, stream_src=True,
                changes=["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                         "ENV LANG=C.UTF-8", f"LABEL {RECIPE_LABEL}={recipe}",
                         'CMD ["python3"]'])
        finally:
            tar.stdout.close()
            if tar.wait() != 0:
                raise ImageError(f"tar of {rootfs} failed (exit {tar.returncode}).")
    return client.images.get(OFFLINE_BASE)


def resolve_base(client, base: str, *, log: Log = print):
    """The base image ``base``, pulled when it is not here yet."""
    import docker.errors

    try:
        return client.images.get(base)
    except docker.errors.ImageNotFound:
        pass
    log(f"pulling {base}")
    try:
        return client.images.pull(base)
    except docker.errors.APIError as exc:
        raise ImageError(f"The base image {base} is not here and cannot be pulled "
                         f"({_first_line(exc)}). On a machine that reaches no image registry, "
                         "build with `smemu build-images --offline-base`, or name an image you "
                         "have with --base.") from None


# ----------------------------------------------------------------------------------------------
# wheels


def _probe_python(client, base_id: str) -> dict:
    """The base image's python3: version, machine and glibc (which wheels it can install)."""
    import docker.errors

    code = ("import json, os, platform, sys; print(json.dumps({'version': '%d%d' % sys.version_info[:2],"
            " 'machine': platform.machine(), 'glibc': os.confstr('CS_GNU_LIBC_VERSION')}))")
    try:
        out = client.containers.run(base_id, ["python3", "-c", code], entrypoint=[], remove=True,
                                    network_mode="none")
    except docker.errors.ContainerError as exc:
        raise ImageError(f"The base image {base_id[:19]} has no working python3 "
                         f"({_first_line(exc)}); smemu's image needs a base with Python 3 and pip."
                         ) from None
    return json.loads(out.decode().strip().splitlines()[-1])


def _platform_tags(machine: str, glibc: str) -> list[str]:
    minor = int(glibc.split()[-1].split(".")[1]) if glibc else 17
    tags = [f"manylinux_2_{m}_{machine}" for m in range(minor, 4, -1)]
    legacy = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
    tags += [f"{name}_{machine}" for name, need in legacy.items() if minor >= need]
    return tags + [f"linux_{machine}"]


def fetch_dependency_wheels(pins: list[str], target: dict, dest: Path, *, log: Log = print) -> None:
    """Wheels of ``pins`` for the image's Python (``pip download``; pip's cache saves the network)."""
    version = target["version"]
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
               "--only-binary=:all:", "--dest", str(dest), "--python-version", version,
               "--implementation", "cp", "--abi", f"cp{version}", "--abi", "abi3", "--abi", "none"]
    for tag in _platform_tags(target["machine"], target["glibc"]):
        command += ["--platform", tag]
    log(f"fetching wheels: {' '.join(pins)} (cp{version}, {target['machine']})")
    run = subprocess.run(command + pins, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    if run.returncode != 0:
        raise ImageError(f"pip could not fetch wheels of {', '.join(pins)} for Python "
                         f"{version[0]}.{version[1:]} on {target['machine']}:\n{run.stdout.strip()}")


def build_smemu_wheel(root: Path, dest: Path, *, log: Log = print) -> None:
    """smemu's wheel, built from a copy of exactly the files :func:`source_digest` hashes (so the
    checkout gets no build/ or stale egg-info, and the wheel holds nothing the hash missed)."""
    log(f"building smemu's wheel from {root}")
    with tempfile.TemporaryDirectory(prefix="smemu-wheel-") as tmp:
        for path in _wheel_sources(root):
            copy = Path(tmp) / path.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
        # fixed zip timestamps: the same source gives the same wheel, so the engine's layer
        # cache holds when only the image's label or algorithm changes
        # SMEMU_PURE_PYTHON: no compiled decoder (setup.py), so the wheel installs on the base
        # image's Python whatever the host's is; the image reads with the numpy decoder
        env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800", "SMEMU_PURE_PYTHON": "1"}
        run = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                              "--wheel-dir", str(dest), tmp],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=env)
    if run.returncode != 0:
        raise ImageError(f"pip could not build smemu's wheel from {root}:\n{run.stdout.strip()}")


# ----------------------------------------------------------------------------------------------
# building


@dataclass
class ImageResult:
    name: str
    image_id: str
    built: bool  # False: the image with the same content hash was already there


def build_images(client, *, base: str = DEFAULT_BASE, offline_base: bool = False,
                 algorithms: Iterable[str] | None = None, force: bool = False,
                 mirror: str | None = None, log: Log = print) -> list[ImageResult]:
    """Make ``smemu/<algorithm>:1`` current for each algorithm (all by default)."""
    import docker.errors

    root = source_root()
    algorithms = list(algorithms or algorithm_names())
    unknown = sorted(set(algorithms) - set(algorithm_names()))
    if unknown:
        raise ImageError(f"smemu has no algorithm called {', '.join(unknown)}; "
                         f"it has {', '.join(algorithm_names())}.")
    if offline_base:
        base_image = ensure_offline_base(client, mirror=mirror, log=log)
        base = OFFLINE_BASE
    else:
        base_image = resolve_base(client, base, log=log)
    dockerfile = (root / "Dockerfile").read_bytes()
    pins = dependency_pins()
    source = source_digest(root)
    wanted = {a: content_hash(dockerfile=dockerfile, base_id=base_image.id, source=source,
                              pins=pins, algorithm=a) for a in algorithms}

    results, stale = [], []
    for algorithm in algorithms:
        try:
            image = client.images.get(image_name(algorithm))
        except docker.errors.ImageNotFound:
            image = None
        if image is not None and not force and image.labels.get(CONTENT_LABEL) == wanted[algorithm]:
            log(f"{image_name(algorithm)} is up to date")
            results.append(ImageResult(image_name(algorithm), image.id, built=False))
        else:
            stale.append((algorithm, image.id if image is not None else None))
    if not stale:
        return results

    with tempfile.TemporaryDirectory(prefix="smemu-image-") as tmp:
        context = Path(tmp)
        (context / "Dockerfile").write_bytes(dockerfile)
        dependencies, own = context / "wheels" / "dependencies", context / "wheels" / "smemu"
        dependencies.mkdir(parents=True)
        own.mkdir()
        fetch_dependency_wheels(pins, _probe_python(client, base_image.id), dependencies, log=log)
        (dependencies / REQUIREMENTS_FILE).write_text("".join(f"{pin}\n" for pin in pins))
        build_smemu_wheel(root, own, log=log)
        for algorithm, previous in stale:
            name = image_name(algorithm)
            log(f"building {name} on {base}")
            image_id = _build(client, context, name, {"BASE": base, contract.ENV_ALGORITHM: algorithm},
                              {CONTENT_LABEL: wanted[algorithm], SOURCE_LABEL: source}, log)
            results.append(ImageResult(name, image_id, built=True))
            if previous and previous != image_id:
                _remove_if_unused(client, previous)
    order = {image_name(a): i for i, a in enumerate(algorithms)}
    return sorted(results, key=lambda r: order[r.name])


def _build(client, context: Path, name: str, buildargs: dict, labels: dict, log: Log) -> str:
    lines: list[str] = []
    image_id = None
    for chunk in client.api.build(path=str(context), tag=name, buildargs=buildargs, labels=labels,
                                  rm=True, forcerm=True, pull=False, network_mode="none",
                                  decode=True):
        if "stream" in chunk:
            text = chunk["stream"].rstrip("\n")
            if text.strip():
                lines.append(text)
                if text.startswith("Step "):
                    log(f"  {text}")
        if "aux" in chunk and "ID" in chunk["aux"]:
            image_id = chunk["aux"]["ID"]
        if "error" in chunk:
            tail = "\n".join(lines[-20:])
            raise ImageError(f"Building {name} failed: {chunk['error'].strip()}\n{tail}")
    return image_id or client.images.get(name).id


def _remove_if_unused(client, image_id: str) -> None:
    """Drop the image a rebuilt tag used to name, unless something still uses it."""
    import docker.errors

    try:
        if not client.images.get(image_id).tags:
            client.images.remove(image_id)
    except docker.errors.APIError:
        pass  # still used by a container or another tag: the engine keeps it


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
