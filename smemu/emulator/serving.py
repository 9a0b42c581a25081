"""The host side of serving: a model.tar.gz unpacked where the container expects it, and the
serving container's entrypoint run as a local process (the ``process`` backend) or in the
algorithm's Docker image (the ``docker`` backend, which publishes the port on 127.0.0.1).

As SageMaker does before it starts a serving container, the model is downloaded and unpacked into
``/opt/ml/model`` — here ``<temporary dir>/opt_ml/model`` — and the container's ``serve`` runs
through a backend of ``smemu.emulator.backends`` (the process backend points ``SMEMU_OPT_ML`` at
the tree). The host waits until ``GET /ping`` answers 200.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import tarfile
import tempfile
import threading
import time
from pathlib import Path

from smemu import contract
from smemu.emulator.backends import ContainerRun, get_backend
from smemu.emulator.storage import StagingError, Storages, storage_for


class ServingError(Exception):
    """The model cannot be served; the message says why and what to do."""


def extract_model(model_uri: str, root: str, storages: Storages | None = None) -> str:
    """Unpacks the model.tar.gz at ``model_uri`` (a path, file:// or s3:// URI; read under
    ``storages``) into ``<root>/model`` and returns that directory."""
    model_dir = str(contract.Tree(root).model_dir)
    os.makedirs(model_dir, exist_ok=True)
    try:
        stream = storage_for(model_uri, storages).open(model_uri)
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
            f"training job wrote, or pack one with: tar czf model.tar.gz {contract.MODEL_FILE}") from None
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
    """A model served by the container entrypoint, run by a backend (``process``, the default).

    ``with LocalEndpoint(uri, "kmeans", port=8080) as endpoint:`` unpacks the model into a
    temporary ``/opt/ml/model``, runs ``python -m smemu.containers serve`` through the backend in
    a background thread and waits for ``/ping``; leaving stops it (SIGTERM, then SIGKILL after
    ``stop_grace`` s, as SageMaker stops an endpoint) and removes the temporary tree.
    ``port=0`` picks a free port. Each line the container logs goes to ``on_log_line`` (default:
    printed to stdout).
    """

    def __init__(self, model_uri: str, algorithm: str, port: int = contract.SERVING_PORT, host: str = "127.0.0.1",
                 startup_timeout: float = 60.0, on_log_line=None,
                 environment: dict | None = None, backend: str = "process",
                 stop_grace: float = 30.0, storages: Storages | None = None):
        self.model_uri = model_uri
        self.storages = storages
        self.algorithm = algorithm
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self.on_log_line = on_log_line or (lambda line: print(line, flush=True))
        self.environment = dict(environment or {})
        self.backend = backend
        self.stop_grace = stop_grace
        self.root: str | None = None
        self.outcome = None
        self._run = None
        self._thread: threading.Thread | None = None
        # set when the backend returns; waited on instead of Thread.join, which a signal can
        # interrupt in a way that leaves CPython 3.11 believing the thread has ended
        self._finished = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._finished.is_set()

    def start(self) -> "LocalEndpoint":
        backend = get_backend(self.backend)
        if not self.port:
            self.port = free_port(self.host)
        _check_port_free(self.host, self.port)
        self.root = tempfile.mkdtemp(prefix="smemu-serve-")
        try:
            self._run = ContainerRun(
                job_dir=Path(self.root), algorithm=self.algorithm, command=contract.SERVE,
                environment={**self.environment, contract.ENV_BIND_HOST: self.host,
                             contract.ENV_BIND_PORT: str(self.port)},
                on_log_line=self.on_log_line, stop_grace=self.stop_grace)
            extract_model(self.model_uri, str(self._run.opt_ml), self.storages)
            self._thread = threading.Thread(target=self._serve, args=(backend,), daemon=True,
                                            name="smemu-endpoint")
            self._thread.start()
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _serve(self, backend) -> None:
        try:
            self.outcome = backend.run(self._run)
        finally:
            self._finished.set()

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if not self.running:
                outcome = self.outcome
                why = (outcome.error if outcome is not None and outcome.error else
                       f"exited with status {outcome.exit_code if outcome else None}")
                raise ServingError(f"The serving container {why} before it answered /ping; "
                                   f"its log says why.")
            if _ping(self.host, self.port, timeout=1.0):
                return
            time.sleep(0.05)
        raise ServingError(f"The serving container did not answer /ping on {self.url} within "
                           f"{self.startup_timeout:g} s.")

    def wait(self) -> int | None:
        """Block until the container ends (or the endpoint is stopped); its exit code."""
        while self.running:
            self._finished.wait(0.5)
        return self.outcome.exit_code if self.outcome else None

    def stop(self) -> None:
        if self._run is not None:
            self._run.stop_event.set()
        if self._thread is not None:
            self._finished.wait()
            self._thread = None
            self._finished = threading.Event()
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> "LocalEndpoint":
        return self.start() if self._thread is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
