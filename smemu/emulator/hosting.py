"""Hosting on this machine: an endpoint's serving container through its life, and invocations of it.

An endpoint is its model served by the built-in algorithm's serving container
(:class:`~smemu.emulator.serving.LocalEndpoint`) on a free loopback port, run by the server's
backend (a local process, or the algorithm's Docker image with the port published on loopback).
:meth:`EndpointHost.launch` starts it in a thread: the record (``Creating``, or ``Updating`` with a
``_pending`` configuration) becomes ``InService`` once ``/ping`` answers, or ``Failed`` with the
reason (an update that cannot start leaves the endpoint ``InService`` on the old container, with
the FailureReason). A container that ends by itself is noticed on the next look at its record
(:meth:`EndpointHost.checked`): ``Failed``.

Restarts: the records live in the jobs root (:mod:`smemu.emulator.hosting_store`) and name the
server that runs them (``_server_pid``). :meth:`EndpointHost.recover` starts again the endpoints a
server that is gone left ``InService`` (or ``Creating``): they are ``Creating`` until their
container answers, as after a SageMaker instance replacement. Endpoints that another live server
runs are left to it, and invocations of them go to its container.

Invocations go to the container on kept-alive connections, one pool per request thread
(:mod:`smemu.emulator.keepalive`); their failures are :class:`InvocationFailure`, in the runtime's
words.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import urllib.parse

from smemu.emulator.api.shared import DEFAULT_ACCOUNT, process_alive, region
from smemu.emulator.hosting_store import RecordDirectory, RecordNotFound
from smemu.emulator.image_names import algorithm_for_image
from smemu.emulator.keepalive import ConnectionPool
from smemu.emulator.serving import LocalEndpoint
from smemu.emulator.storage import Storages

log = logging.getLogger("smemu.api")

PRIMARY = "primary"             # how InvokeEndpoint's errors name the (single) container
INVOKE_TIMEOUT = 60.0           # SageMaker's limit for a container's answer
MAX_PAYLOAD = 6 * 1024 * 1024   # InvokeEndpoint's limit
SERVING_STATES = ("Creating", "InService", "Updating", "SystemUpdating")


def model_data_url(container: dict) -> str:
    """Where a (checked) container definition's model.tar.gz is."""
    return (container.get("ModelDataUrl")
            or container["ModelDataSource"]["S3DataSource"]["S3Uri"])


class InvocationFailure(Exception):
    """InvokeEndpoint's answer when the endpoint or its container cannot answer: ``code`` is the
    runtime's error code (ValidationError, ModelError, ServiceUnavailable), ``status`` the HTTP
    status, ``extra`` modelled members of the error (ModelError's OriginalStatusCode...)."""

    def __init__(self, code: str, status: int, message: str, **extra):
        super().__init__(message)
        self.code, self.status, self.message, self.extra = code, status, message, extra


class EndpointHost:
    """The serving containers of the endpoints in ``records`` that this server runs."""

    def __init__(self, records: RecordDirectory, backend: str = "process",
                 startup_timeout: float = 120.0, storages: Storages | None = None):
        self.records = records
        self.backend = backend
        self.storages = storages      # where models may be read from
        self.startup_timeout = startup_timeout
        self._running: dict[str, LocalEndpoint] = {}    # serving the endpoint
        self._starting: dict[str, LocalEndpoint] = {}   # starting for CreateEndpoint/UpdateEndpoint
        self._lock = threading.Lock()
        self._closing = False
        self._pool = ConnectionPool(INVOKE_TIMEOUT)

    def owns(self, record: dict) -> bool:
        return record.get("_server_pid") == os.getpid()

    def launch(self, name: str) -> None:
        """Start (in a thread) the container the record ``name`` asks for."""
        threading.Thread(target=self._start_container, args=(name,), daemon=True,
                         name=f"smemu-endpoint-{name}").start()

    def stop(self, name: str) -> None:
        """Stop the endpoint's containers (serving and starting)."""
        with self._lock:
            containers = [c for c in (self._running.pop(name, None), self._starting.pop(name, None))
                          if c is not None]
        for container in containers:
            container.stop()

    def checked(self, record: dict) -> dict:
        """The record, after noticing a serving container that ended by itself (Failed)."""
        name = record["EndpointName"]
        if record.get("EndpointStatus") != "InService" or not self.owns(record):
            return record
        with self._lock:
            running = self._running.get(name)
        if running is not None and not running.running:
            outcome = running.outcome
            code = outcome.exit_code if outcome else None
            self.fail(record, f"The serving container exited with status {code}; its log is "
                               f"{self.records.log_path(name)}.")
        return record

    def fail(self, record: dict, reason: str) -> None:
        now = time.time()
        record.update(EndpointStatus="Failed", FailureReason=reason[:1024], LastModifiedTime=now)
        record.pop("_url", None)
        for variant in record["ProductionVariants"]:
            variant["CurrentInstanceCount"] = 0
        self.records.save(record["EndpointName"], record)

    def _container(self, name: str, model: dict) -> LocalEndpoint:
        container = model["PrimaryContainer"]
        data = model_data_url(container)
        log_path = self.records.log_path(name)

        def on_log_line(line: str) -> None:
            with open(log_path, "a") as log_file:
                log_file.write(line + "\n")
            log.debug("endpoint %s: %s", name, line)

        environment = {k: str(v) for k, v in (container.get("Environment") or {}).items()}
        return LocalEndpoint(data, algorithm_for_image(container.get("Image")), port=0,
                             on_log_line=on_log_line, environment=environment,
                             backend=self.backend, startup_timeout=self.startup_timeout,
                             stop_grace=10.0, storages=self.storages)

    def _start_container(self, name: str) -> None:
        record = self.records.load(name)
        updating = record.get("EndpointStatus") == "Updating"
        model = record["_pending"]["model"] if updating else record["_model"]
        endpoint = self._container(name, model)
        with self._lock:
            if self._closing:
                return
            self._starting[name] = endpoint
        try:
            endpoint.start()
            error = None
        except Exception as failure:   # ServingError, a backend that cannot serve, ...
            error = failure
        with self._lock:
            owned = self._starting.pop(name, None) is endpoint and not self._closing
        try:
            record = self.records.load(name)
        except RecordNotFound:
            owned = False                   # deleted while it started
        if not owned or record.get("EndpointStatus") != ("Updating" if updating else "Creating"):
            endpoint.stop()
            return
        now = time.time()
        if error is not None:
            endpoint.stop()
            if not updating:
                self.fail(record, f"The endpoint could not start its model: {error}")
                return
            pending = record.pop("_pending")
            record.update(EndpointStatus="InService", LastModifiedTime=now, FailureReason=(
                f"The update to endpoint configuration {pending['config']} failed, and the "
                f"endpoint still serves {record['EndpointConfigName']}: {error}")[:1024])
            self.records.save(name, record)
            return
        with self._lock:
            previous = self._running.get(name)
            self._running[name] = endpoint
        if updating:
            pending = record.pop("_pending")
            record.update(EndpointConfigName=pending["config"], _model=pending["model"],
                          ProductionVariants=pending["variants"])
            record.pop("FailureReason", None)
        for variant in record["ProductionVariants"]:
            variant["CurrentInstanceCount"] = variant["DesiredInstanceCount"]
        record.update(EndpointStatus="InService", LastModifiedTime=now, _url=endpoint.url)
        self.records.save(name, record)
        if previous is not None:
            previous.stop()

    # restarts and shutdown ---------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Start again the endpoints whose server is gone; their names."""
        restarted = []
        for record in self.records.records():
            name = record["EndpointName"]
            owner_alive = process_alive(record.get("_server_pid"))
            if record.get("EndpointStatus") == "Deleting" and not owner_alive:
                self.records.delete(name)
                continue
            if record.get("EndpointStatus") not in SERVING_STATES or owner_alive:
                continue
            record.update(EndpointStatus="Creating", LastModifiedTime=time.time(),
                          _server_pid=os.getpid())
            record.pop("_url", None)
            record.pop("_pending", None)   # an update the old server did not finish
            for variant in record["ProductionVariants"]:
                variant["CurrentInstanceCount"] = 0
            self.records.save(name, record)
            self.launch(name)
            restarted.append(name)
        return restarted

    def shutdown(self) -> None:
        """Stop every serving container this server runs; their records stay, so the next
        server starts them again."""
        with self._lock:
            self._closing = True
            running = [*self._running.values(), *self._starting.values()]
            self._running.clear()
            self._starting.clear()
        for endpoint in running:
            endpoint.stop()

    # the runtime -------------------------------------------------------------------------------
    def invoke(self, name: str, body: bytes, headers: dict) -> tuple[int, bytes, dict]:
        """Send an invocation to the endpoint's container: (status, body, headers) of its
        answer when it is 2xx; an InvocationFailure otherwise."""
        try:
            record = self.checked(self.records.load(name))
        except RecordNotFound:
            raise InvocationFailure("ValidationError", 400,
                                    f"Endpoint {name} of account {DEFAULT_ACCOUNT} not found.") from None
        account = record["EndpointArn"].split(":")[4]
        if record.get("EndpointStatus") not in ("InService", "Updating") or not record.get("_url"):
            raise InvocationFailure(
                "ValidationError", 400,
                f"Endpoint {name} of account {account} is not in service: its status is "
                f"{record.get('EndpointStatus')}. Wait for InService (the endpoint_in_service "
                f"waiter).")
        if len(body) > MAX_PAYLOAD:
            raise InvocationFailure("ValidationError", 413,
                                    f"Request payload size {len(body)} bytes exceeds the "
                                    f"{MAX_PAYLOAD} bytes (6 MB) InvokeEndpoint accepts.")
        url = urllib.parse.urlsplit(record["_url"])
        variant = record["ProductionVariants"][0]["VariantName"]
        try:
            status, answer, content_type = self._pool.post(url, "/invocations", body, headers)
        except TimeoutError:
            raise InvocationFailure(
                "ModelError", 424,
                f"Your invocation timed out while waiting for a response from container "
                f"{PRIMARY}. Review the latency metrics for each container in the log "
                f"{self.records.log_path(name)}, resolve the issue, and try again.") \
                from None
        except OSError as error:
            raise InvocationFailure(
                "ServiceUnavailable", 503,
                f"The serving container of endpoint {name} cannot be reached ({error}); "
                f"DescribeEndpoint says whether it failed.") from None
        if 200 <= status < 300:
            return status, answer, {"Content-Type": content_type or "application/octet-stream",
                                    "x-Amzn-Invoked-Production-Variant": variant}
        text = answer.decode("utf-8", "replace")
        kind = "client" if 400 <= status < 500 else "server"
        raise InvocationFailure(
            "ModelError", 424,
            f'Received {kind} error ({status}) from {PRIMARY} with message "{text}". See '
            f"{self.records.log_path(name)} (the endpoint's log) for more information.",
            OriginalStatusCode=status, OriginalMessage=text,
            LogStreamArn=f"arn:aws:logs:{region()}:{account}:log-group:/aws/sagemaker/Endpoints/"
                         f"{name}")
