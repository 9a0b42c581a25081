"""The Docker backend: the job's container runs in smemu's image for its algorithm, as on SageMaker.

The job's ``/opt/ml`` tree (laid out, staged and — for Pipe mode — fed by the host side) is
bind-mounted at ``/opt/ml``; the container is started as ``<image> train`` with hostname
``algo-1``, the environment SageMaker sets (``TRAINING_JOB_NAME``, ``TRAINING_JOB_ARN``,
``AWS_REGION`` and the request's ``Environment``) and no network (built-in algorithms need none).
Its output is streamed line by line while it runs; a stop or ``MaxRuntimeInSeconds`` sends
SIGTERM, then SIGKILL after the grace period (``docker stop``); the container is removed at the end.

``serve`` runs the same way; when the host side names a port (``SAGEMAKER_BIND_TO_PORT``, as
``smemu.emulator.serving.LocalEndpoint`` does), the container gets a network and that port is
published on the host address ``SMEMU_BIND_HOST`` (loopback by default).

A tiny init (``docker run --init``) is PID 1 so that SIGTERM reaches the algorithm's process, which
would ignore it as PID 1 of its own.

The container dies with the smemu process that started it: it is created with stdin open and
``StdinOnce``, smemu attaches to its stdin and never writes, and the engine closes that stdin
when smemu's connection goes (``kill -9`` included); the entrypoint's lifeline
(:mod:`smemu.containers.lifeline`) then ends the container. Its id is recorded
(:mod:`smemu.emulator.supervision`), so the next smemu process removes it if nobody did.
"""

from __future__ import annotations

import logging
import os
import threading

from smemu import contract
from smemu.emulator import images, supervision
from smemu.emulator.backends import Backend, ContainerRun, RunOutcome

CONTAINER_OPT_ML = contract.OPT_ML
HOSTNAME = contract.FIRST_HOST
JOB_LABEL = "org.smemu.training-job"
OWNER_LABEL = "org.smemu.owner-pid"
# the host's CPU quirks settings for OpenBLAS: the container computes on the same CPU, and the
# same settings keep its results identical to the process backend's
PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                  "OMP_NUM_THREADS")

log = logging.getLogger("smemu.docker")


class DockerBackend(Backend):
    """Runs ``smemu/<algorithm>:1`` (see :mod:`smemu.emulator.images`) through the docker SDK."""

    name = "docker"

    def __init__(self, client=None, image: str | None = None):
        self._client = client
        self.image = image          # an image to use for every algorithm (default: its own tag)

    def client(self):
        if self._client is None:
            self._client = images.docker_client()
        return self._client

    def environment(self, run: ContainerRun) -> dict[str, str]:
        env = {k: os.environ[k] for k in PASSED_THROUGH if k in os.environ}
        arn = run.environment.get("TRAINING_JOB_ARN", "")
        parts = arn.split(":")
        if len(parts) > 3 and parts[3]:
            env["AWS_REGION"] = parts[3]
        env.update(run.environment)
        env[contract.ENV_ALGORITHM] = run.algorithm
        env["PYTHONUNBUFFERED"] = "1"
        env.update(supervision.LIFELINE_ENVIRONMENT)
        return env

    def run(self, run: ContainerRun) -> RunOutcome:
        import docker.errors

        try:
            client = self.client()
            image = self.image or images.require_image(client, run.algorithm).id
            if not self.image:
                _warn_if_stale(client, run.algorithm)
        except images.ImageError as exc:
            return RunOutcome(None, error=str(exc))
        environment = self.environment(run)
        network = {"network_mode": "none"}
        port = run.environment.get(contract.ENV_BIND_PORT)
        if run.command == contract.SERVE and port:
            # an endpoint: the container listens on all its interfaces, published on the host
            # only where the host side asked for it (loopback by default)
            host = run.environment.get(contract.ENV_BIND_HOST) or "127.0.0.1"
            environment[contract.ENV_BIND_HOST] = "0.0.0.0"
            network = {"ports": {f"{port}/tcp": (host, int(port))}}
        try:
            container = client.containers.create(
                image, [run.command], hostname=HOSTNAME, environment=environment,
                volumes={str(run.opt_ml.resolve()): {"bind": CONTAINER_OPT_ML, "mode": "rw"}},
                init=True, stdin_open=True, tty=False,   # stdin_open sets StdinOnce too
                labels={JOB_LABEL: run.environment.get("TRAINING_JOB_NAME", ""),
                        OWNER_LABEL: str(os.getpid())}, **network)
        except docker.errors.APIError as exc:
            return RunOutcome(None, error=f"Docker could not create the container from {image}: "
                                          f"{exc.explanation or exc}")
        record = supervision.record_child(container_id=container.id,
                                          what=f"{run.command} container")
        try:
            return self._run(container, run)
        finally:
            try:
                container.remove(force=True)
            except docker.errors.APIError:
                pass
            supervision.forget_child(record)

    def _run(self, container, run: ContainerRun) -> RunOutcome:
        # attached before the start, so that no line is missed, the last one included
        stream = container.attach(stdout=True, stderr=True, stream=True, logs=True, demux=True)
        streamer = threading.Thread(target=_stream_lines, args=(stream, run.on_log_line),
                                    daemon=True)
        streamer.start()
        # the lifeline: never written; the engine closes the container's stdin when it closes
        lifeline = container.attach_socket(params={"stdin": 1, "stream": 1})
        try:
            return self._supervise(container, run, stream, streamer)
        finally:
            _close(lifeline)

    def _supervise(self, container, run: ContainerRun, stream, streamer) -> RunOutcome:
        import docker.errors

        try:
            container.start()
        except docker.errors.APIError as exc:
            stream.close()
            return RunOutcome(None, error=f"Docker could not start the container: "
                                          f"{exc.explanation or exc}")
        exit_code: list[int] = []
        waiter = threading.Thread(target=_wait, args=(container, exit_code), daemon=True)
        waiter.start()

        def signal(sig: str):
            try:
                container.kill(signal=sig)
            except docker.errors.APIError:
                pass   # it has exited already

        outcome = self.supervise(run, lambda: exit_code[0] if exit_code else None,
                                 lambda: signal("SIGTERM"), lambda: signal("SIGKILL"))
        streamer.join(timeout=10)   # the stream ends with the container; never hang on it
        return outcome


def _close(sock) -> None:
    try:
        sock.close()
    except Exception:   # already closed by the engine
        pass


def _wait(container, result: list) -> None:
    while True:
        try:
            result.append(int(container.wait()["StatusCode"]))
            return
        except Exception:   # a read time-out of a long job: wait again unless it is gone
            try:
                container.reload()
            except Exception:
                result.append(-1)
                return
            if container.status == "exited":
                result.append(int(container.attrs["State"]["ExitCode"]))
                return


def _stream_lines(stream, on_line) -> None:
    """Lines of the container's stdout and stderr, each split on its own (the engine keeps no
    order between the two, so a line is never glued to the other stream's)."""
    pending = [b"", b""]
    try:
        for frames in stream:
            for index, chunk in enumerate(frames):
                if chunk:
                    pending[index] += chunk
                    *lines, pending[index] = pending[index].split(b"\n")
                    for line in lines:
                        on_line(line.decode("utf-8", "replace").rstrip("\r"))
    except Exception as exc:  # the engine went away mid-stream
        on_line(f"smemu: lost the container's output stream: {exc}")
    for rest in pending:
        if rest:
            on_line(rest.decode("utf-8", "replace").rstrip("\r"))


_warned: set[tuple[str, str]] = set()   # (image id, source digest) already reported


def _warn_if_stale(client, algorithm: str) -> None:
    """Say so (once per image and sources) when the image was built from other smemu sources
    than the ones here."""
    try:
        root = images.source_root()
    except images.ImageError:
        return   # an installed smemu: nothing to compare with
    image = client.images.get(images.image_name(algorithm))
    digest = images.source_digest(root)
    if image.labels.get(images.SOURCE_LABEL) != digest and (image.id, digest) not in _warned:
        _warned.add((image.id, digest))
        log.warning("%s was built from other smemu sources than %s; run `smemu build-images` to "
                    "run this code in Docker.", images.image_name(algorithm), root)
