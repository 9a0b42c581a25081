"""The host side of serving: a model.tar.gz unpacked where the container expects it, and the
serving container's entrypoint run as a local process (the ``process`` backend).

As SageMaker does before it starts a serving container, the model is downloaded and unpacked into
``<root>/model`` — a temporary directory standing in for ``/opt/ml`` — and the container's
``serve`` runs with ``SMEMU_OPT_ML=<root>``. The host waits until ``GET /ping`` answers 200.

A Docker backend (the same entrypoint in smemu's image) is not written yet.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time

from smemu.emulator.staging import StagingError, storage_for


class ServingError(Exception):
    """The model cannot be served; the message says why and what to do."""


def extract_model(model_uri: str, root: str) -> str:
    """Unpacks the model.tar.gz at ``model_uri`` (a path, file:// or s3:// URI) into
    ``<root>/model`` and returns that directory."""
    model_dir = os.path.join(root, "model")
    os.makedirs(model_dir, exist_ok=True)
    try:
        stream = storage_for(model_uri).open(model_uri)
    except (StagingError, OSError) as exc:
        raise ServingError(f"Cannot read the model {model_uri}: {exc}") from None
    try:
        with stream, tarfile.open(fileobj=stream, mode="r|*") as archive:
            for member in archive:
                _check_member(member, model_uri)
                archive.extract(member, model_dir, **_EXTRACT_ARGS)
    except (tarfile.TarError, EOFError) as exc:
        raise ServingError(
            f"The model {model_uri} is not a readable .tar.gz ({exc}). Give the model.tar.gz a "
            f"training job wrote, or pack one with: tar czf model.tar.gz model_algo-1") from None
    return model_dir


# Python's "data" filter (3.10.12+, 3.11.4+) refuses links out of the directory, devices, modes
_EXTRACT_ARGS = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def _check_member(member: tarfile.TarInfo, model_uri: str) -> None:
    name = member.name
    if os.path.isabs(name) or ".." in name.replace("\\", "/").split("/"):
        raise ServingError(f"The model {model_uri} holds {name!r}, a path outside the model "
                           f"directory; SageMaker unpacks model.tar.gz into /opt/ml/model only.")
    if not (member.isfile() or member.isdir()):
        raise ServingError(f"The model {model_uri} holds {name!r}, which is not a plain file or "
                           f"directory; pack only files.")


def _ping(host: str, port: int, timeout: float = 2.0) -> bool:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", "/ping")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the OS's pick)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _check_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ServingError(f"Cannot serve on {host}:{port}: {exc.strerror or exc}. Pick "
                               f"another port with --port.") from None


class LocalEndpoint:
    """A model served by the container entrypoint in a local process.

    ``with LocalEndpoint(uri, "kmeans", port=8080) as endpoint:`` unpacks the model, starts
    ``python -m smemu.containers serve`` and waits for ``/ping``; leaving stops it (SIGTERM) and
    removes the temporary tree. ``port=0`` picks a free port. ``output=None`` lets the container log to this process's stdout.
    """

    def __init__(self, model_uri: str, algorithm: str, port: int = 8080, host: str = "127.0.0.1",
                 startup_timeout: float = 60.0, output=None, environment: dict | None = None):
        self.model_uri = model_uri
        self.algorithm = algorithm
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self.output = output
        self.environment = dict(environment or {})
        self.root: str | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "LocalEndpoint":
        if not self.port:
            self.port = free_port(self.host)
        _check_port_free(self.host, self.port)
        self.root = tempfile.mkdtemp(prefix="smemu-serve-")
        try:
            extract_model(self.model_uri, self.root)
            env = dict(os.environ, **self.environment, SMEMU_OPT_ML=self.root,
                       SMEMU_ALGORITHM=self.algorithm, SMEMU_BIND_HOST=self.host,
                       SAGEMAKER_BIND_TO_PORT=str(self.port), PYTHONUNBUFFERED="1")
            self.process = subprocess.Popen(
                [sys.executable, "-m", "smemu.containers", "serve"], env=env,
                stdin=subprocess.DEVNULL, stdout=self.output, stderr=subprocess.STDOUT
                if self.output is not None else None)
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise ServingError(
                    f"The serving container exited with status {code} before it answered "
                    f"/ping; its log above says why.")
            if _ping(self.host, self.port, timeout=1.0):
                return
            time.sleep(0.05)
        raise ServingError(f"The serving container did not answer /ping on {self.url} within "
                           f"{self.startup_timeout:g} s.")

    def wait(self) -> int:
        return self.process.wait()

    def stop(self, grace: float = 30.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds, as SageMaker stops a container."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> "LocalEndpoint":
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
