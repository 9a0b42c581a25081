"""The hosting operations of the SageMaker API: models, endpoint configurations and endpoints.

``EndpointService(jobs_root, backend, allow_file_uris).operations()`` maps ``CreateModel``,
``DescribeModel``, ``DeleteModel``, ``ListModels``, ``CreateEndpointConfig``,
``DescribeEndpointConfig``, ``DeleteEndpointConfig``, ``CreateEndpoint``, ``DescribeEndpoint``,
``UpdateEndpoint``, ``DeleteEndpoint`` and ``ListEndpoints`` to handlers; :mod:`runtime` answers
InvokeEndpoint through :meth:`EndpointService.invoke`.

An endpoint is its model served by the built-in algorithm's serving container
(:class:`~smemu.emulator.serving.LocalEndpoint`) on a free loopback port. ``CreateEndpoint``
answers at once with the endpoint ``Creating``; a thread unpacks the model and starts the
container, and the endpoint becomes ``InService`` once ``/ping`` answers, or ``Failed`` with the
reason. ``UpdateEndpoint`` starts the new configuration's container while the old one serves
(``Updating``) and swaps them when it answers. ``DeleteEndpoint`` stops the container (SIGTERM)
and forgets the endpoint.

Restarts: the records live in the jobs root (:mod:`smemu.emulator.hosting_store`). A server that
starts finds the endpoints a server that is gone left ``InService`` (or ``Creating``) and starts
them again: they are ``Creating`` until their container answers, as after a SageMaker instance
replacement. Endpoints that another live server runs are left to it, and invocations of them are
forwarded to its container.
"""

from __future__ import annotations

import http.client
import logging
import os
import socket
import threading
import time
import urllib.parse

from smemu.algorithms.registry import serving_algorithms
from smemu.emulator.api.errors import ValidationException
from smemu.emulator.api.training_jobs import check_job_name, check_location, host_variables
from smemu.emulator.hosting_store import HostingStore, RecordExists, RecordNotFound
from smemu.emulator.images import UnknownImage, algorithm_for_image
from smemu.emulator.serving import LocalEndpoint

log = logging.getLogger("smemu.api")

PRIMARY = "primary"             # how InvokeEndpoint's errors name the (single) container
INVOKE_TIMEOUT = 60.0           # SageMaker's limit for a container's answer
MAX_PAYLOAD = 6 * 1024 * 1024   # InvokeEndpoint's limit
SERVING_STATES = ("Creating", "InService", "Updating", "SystemUpdating")
MODEL_FIELDS = ("ModelName", "PrimaryContainer", "Containers", "InferenceExecutionConfig",
                "ExecutionRoleArn", "VpcConfig", "EnableNetworkIsolation")
CONFIG_FIELDS = ("EndpointConfigName", "ProductionVariants", "DataCaptureConfig", "KmsKeyId",
                 "AsyncInferenceConfig", "ExplainerConfig", "ExecutionRoleArn", "VpcConfig",
                 "EnableNetworkIsolation")


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def account_of(role_arn) -> str:
    parts = role_arn.split(":") if isinstance(role_arn, str) else []
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else "000000000000"


def arn(kind: str, name: str, account: str) -> str:
    return f"arn:aws:sagemaker:{region()}:{account}:{kind}/{name.lower()}"


def check_serving_environment(environment: dict) -> None:
    """Serving containers run as processes on this machine: no variable that would change how
    the host runs them."""
    refused = host_variables(environment)
    if refused:
        raise ValidationException(
            f"1 validation error detected: Environment sets {', '.join(refused)}, which would "
            f"change how the host runs the serving process (smemu serves models as processes on "
            f"this machine). Leave them out.")


def model_data_url(container: dict) -> str:
    """Where a (checked) container definition's model.tar.gz is."""
    return (container.get("ModelDataUrl")
            or container["ModelDataSource"]["S3DataSource"]["S3Uri"])


def public(record: dict) -> dict:
    """A record without its private members (those starting with "_")."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


class InvocationFailure(Exception):
    """InvokeEndpoint's answer when the endpoint or its container cannot answer: ``code`` is the
    runtime's error code (ValidationError, ModelError, ServiceUnavailable), ``status`` the HTTP
    status, ``extra`` modelled members of the error (ModelError's OriginalStatusCode...)."""

    def __init__(self, code: str, status: int, message: str, **extra):
        super().__init__(message)
        self.code, self.status, self.message, self.extra = code, status, message, extra


class EndpointService:
    def __init__(self, jobs_root, backend: str = "process", allow_file_uris: bool = True,
                 startup_timeout: float = 120.0):
        self.store = HostingStore(jobs_root)
        # LocalEndpoint serves through the process backend only (the docker backend publishes
        # no port yet), so endpoints run as local processes whatever backend trains the jobs
        self.backend = "process" if backend == "docker" else backend
        self.allow_file_uris = allow_file_uris
        self.startup_timeout = startup_timeout
        self._running: dict[str, LocalEndpoint] = {}    # serving the endpoint
        self._starting: dict[str, LocalEndpoint] = {}   # starting for CreateEndpoint/UpdateEndpoint
        self._lock = threading.Lock()
        self._closing = False
        self._connections = threading.local()   # kept-alive connections to the containers

    def operations(self) -> dict:
        return {"CreateModel": self.create_model, "DescribeModel": self.describe_model,
                "DeleteModel": self.delete_model, "ListModels": self.list_models,
                "CreateEndpointConfig": self.create_endpoint_config,
                "DescribeEndpointConfig": self.describe_endpoint_config,
                "DeleteEndpointConfig": self.delete_endpoint_config,
                "CreateEndpoint": self.create_endpoint, "DescribeEndpoint": self.describe_endpoint,
                "DeleteEndpoint": self.delete_endpoint, "UpdateEndpoint": self.update_endpoint,
                "ListEndpoints": self.list_endpoints}

    # models ------------------------------------------------------------------------------------
    def create_model(self, body: dict) -> dict:
        name = check_job_name(body, "ModelName")
        container = self._primary_container(body)
        self._check_container(container)
        account = account_of(body.get("ExecutionRoleArn"))
        model_arn = arn("model", name, account)
        record = {k: body[k] for k in MODEL_FIELDS if k in body}
        record.update(PrimaryContainer=container, ModelArn=model_arn, CreationTime=time.time())
        record.pop("Containers", None)
        try:
            self.store.models.create(name, record)
        except RecordExists:
            raise ValidationException(f'Cannot create already existing model "{model_arn}".') \
                from None
        return {"ModelArn": model_arn}

    def describe_model(self, body: dict) -> dict:
        return self._model(check_job_name(body, "ModelName"))

    def delete_model(self, body: dict) -> dict:
        name = check_job_name(body, "ModelName")
        self._model(name)
        self.store.models.delete(name)
        return {}

    def list_models(self, body: dict) -> dict:
        return _listing(self.store.models.records(), body, "Models",
                        ("ModelName", "ModelArn", "CreationTime"), "ModelName")

    def _model(self, name: str) -> dict:
        try:
            return self.store.models.load(name)
        except RecordNotFound:
            raise ValidationException(
                f'Could not find model "{arn("model", name, "000000000000")}".') from None

    def _primary_container(self, body: dict) -> dict:
        container = body.get("PrimaryContainer")
        containers = body.get("Containers")
        if container is None and isinstance(containers, list) and len(containers) == 1:
            container = containers[0]
        elif container is None and containers:
            raise ValidationException(
                "smemu serves models of one container: give PrimaryContainer (or a Containers "
                "list of one); inference pipelines and multi-container models are not emulated.")
        if not isinstance(container, dict):
            raise ValidationException("1 validation error detected: Value null at "
                                      "'primaryContainer' failed to satisfy constraint: Member "
                                      "must not be null (give the model's image and data).")
        return container

    def _check_container(self, container: dict) -> None:
        try:
            algorithm = algorithm_for_image(container.get("Image") or "")
        except UnknownImage as error:
            raise ValidationException(str(error).replace("training image", "image")) from None
        if algorithm not in serving_algorithms():
            raise ValidationException(
                f"smemu does not serve {algorithm} models yet; it serves "
                f"{', '.join(serving_algorithms())}.")
        data = container.get("ModelDataUrl")
        if data is None and isinstance(container.get("ModelDataSource"), dict):
            data = (container["ModelDataSource"].get("S3DataSource") or {}).get("S3Uri")
        if not isinstance(data, str) or not data:
            raise ValidationException(
                f"The {algorithm} image needs model data: give PrimaryContainer.ModelDataUrl, "
                f"the model.tar.gz a training job wrote (s3:// or file:///...).")
        check_location("primaryContainer.modelDataUrl", data, self.allow_file_uris)
        environment = container.get("Environment") or {}
        if not isinstance(environment, dict):
            raise ValidationException("PrimaryContainer.Environment must be a map of strings.")
        check_serving_environment(environment)

    # endpoint configurations -------------------------------------------------------------------
    def create_endpoint_config(self, body: dict) -> dict:
        name = check_job_name(body, "EndpointConfigName")
        variants = body.get("ProductionVariants")
        if not isinstance(variants, list) or not variants:
            raise ValidationException("1 validation error detected: Value at "
                                      "'productionVariants' failed to satisfy constraint: Member "
                                      "must have length greater than or equal to 1")
        if len(variants) > 1:
            raise ValidationException("smemu serves endpoints of one production variant; give "
                                      "ProductionVariants a single variant.")
        variant = variants[0]
        if not isinstance(variant, dict):
            raise ValidationException("ProductionVariants must hold objects.")
        check_job_name(variant, "VariantName")
        model = self._model(check_job_name(variant, "ModelName"))
        account = account_of(model.get("ExecutionRoleArn"))
        config_arn = arn("endpoint-config", name, account)
        record = {k: body[k] for k in CONFIG_FIELDS if k in body}
        record.update(EndpointConfigArn=config_arn, CreationTime=time.time())
        try:
            self.store.configs.create(name, record)
        except RecordExists:
            raise ValidationException(f'Cannot create already existing endpoint configuration '
                                      f'"{config_arn}".') from None
        return {"EndpointConfigArn": config_arn}

    def describe_endpoint_config(self, body: dict) -> dict:
        return self._config(check_job_name(body, "EndpointConfigName"))

    def delete_endpoint_config(self, body: dict) -> dict:
        name = check_job_name(body, "EndpointConfigName")
        self._config(name)
        self.store.configs.delete(name)
        return {}

    def _config(self, name: str) -> dict:
        try:
            return self.store.configs.load(name)
        except RecordNotFound:
            raise ValidationException(f'Could not find endpoint configuration '
                                      f'"{arn("endpoint-config", name, "000000000000")}".') \
                from None

    # endpoints ---------------------------------------------------------------------------------
    def create_endpoint(self, body: dict) -> dict:
        name = check_job_name(body, "EndpointName")
        config_name = check_job_name(body, "EndpointConfigName")
        config = self._config(config_name)
        variant = config["ProductionVariants"][0]
        model = self._model(variant["ModelName"])
        account = account_of(model.get("ExecutionRoleArn"))
        endpoint_arn = arn("endpoint", name, account)
        now = time.time()
        record = {
            "EndpointName": name, "EndpointArn": endpoint_arn, "EndpointConfigName": config_name,
            "ProductionVariants": _variant_summaries(variant, model, now),
            "EndpointStatus": "Creating", "CreationTime": now, "LastModifiedTime": now,
            "_model": model, "_server_pid": os.getpid(),
        }
        try:
            self.store.endpoints.create(name, record)
        except RecordExists:
            raise ValidationException(
                f'Cannot create already existing endpoint "{endpoint_arn}".') from None
        self._launch(name)
        return {"EndpointArn": endpoint_arn}

    def describe_endpoint(self, body: dict) -> dict:
        return public(self._endpoint(check_job_name(body, "EndpointName")))

    def update_endpoint(self, body: dict) -> dict:
        """Serve another endpoint configuration: the endpoint is Updating while the new
        container starts, then InService on it (the old one stops); if it cannot start, the
        endpoint stays InService on the old one, with the FailureReason."""
        name = check_job_name(body, "EndpointName")
        config_name = check_job_name(body, "EndpointConfigName")
        record = self._endpoint(name)
        if record.get("EndpointStatus") != "InService":
            raise ValidationException(
                f'Cannot update in-progress endpoint "{record["EndpointArn"]}".')
        if record.get("_server_pid") != os.getpid():
            raise ValidationException(
                f"Endpoint {name} is served by another smemu server (pid "
                f"{record.get('_server_pid')}) on this jobs root; update it through that server.")
        variant = self._config(config_name)["ProductionVariants"][0]
        model = self._model(variant["ModelName"])
        now = time.time()
        record["_pending"] = {"config": config_name, "model": model,
                              "variants": _variant_summaries(variant, model, now)}
        record.update(EndpointStatus="Updating", LastModifiedTime=now)
        self.store.endpoints.save(name, record)
        self._launch(name)
        return {"EndpointArn": record["EndpointArn"]}

    def list_endpoints(self, body: dict) -> dict:
        records = [self._checked(record) for record in self.store.endpoints.records()]
        status = body.get("StatusEquals")
        if status:
            records = [r for r in records if r.get("EndpointStatus") == status]
        return _listing(records, body, "Endpoints",
                        ("EndpointName", "EndpointArn", "CreationTime", "LastModifiedTime",
                         "EndpointStatus"), "EndpointName")

    def delete_endpoint(self, body: dict) -> dict:
        name = check_job_name(body, "EndpointName")
        record = self._endpoint(name)
        record.update(EndpointStatus="Deleting", LastModifiedTime=time.time())
        self.store.endpoints.save(name, record)
        with self._lock:
            containers = [c for c in (self._running.pop(name, None), self._starting.pop(name, None))
                          if c is not None]
        for container in containers:
            container.stop()
        self.store.endpoints.delete(name)
        return {}

    def _endpoint(self, name: str) -> dict:
        try:
            record = self.store.endpoints.load(name)
        except RecordNotFound:
            raise ValidationException(f'Could not find endpoint '
                                      f'"{arn("endpoint", name, "000000000000")}".') from None
        return self._checked(record)

    def _checked(self, record: dict) -> dict:
        """The record, after noticing a serving container that ended by itself (Failed)."""
        name = record["EndpointName"]
        if record.get("EndpointStatus") != "InService" or record.get("_server_pid") != os.getpid():
            return record
        with self._lock:
            running = self._running.get(name)
        if running is not None and not running.running:
            outcome = running.outcome
            code = outcome.exit_code if outcome else None
            self._fail(record, f"The serving container exited with status {code}; its log is "
                               f"{self.store.endpoints.log_path(name)}.")
        return record

    def _fail(self, record: dict, reason: str) -> None:
        now = time.time()
        record.update(EndpointStatus="Failed", FailureReason=reason[:1024], LastModifiedTime=now)
        record.pop("_url", None)
        for variant in record["ProductionVariants"]:
            variant["CurrentInstanceCount"] = 0
        self.store.endpoints.save(record["EndpointName"], record)

    def _launch(self, name: str) -> None:
        threading.Thread(target=self._start_container, args=(name,), daemon=True,
                         name=f"smemu-endpoint-{name}").start()

    def _container(self, name: str, model: dict) -> LocalEndpoint:
        container = model["PrimaryContainer"]
        data = model_data_url(container)
        log_path = self.store.endpoints.log_path(name)

        def on_log_line(line: str) -> None:
            with open(log_path, "a") as log_file:
                log_file.write(line + "\n")
            log.debug("endpoint %s: %s", name, line)

        environment = {k: str(v) for k, v in (container.get("Environment") or {}).items()}
        return LocalEndpoint(data, algorithm_for_image(container.get("Image")), port=0,
                             on_log_line=on_log_line, environment=environment,
                             backend=self.backend, startup_timeout=self.startup_timeout,
                             stop_grace=10.0)

    def _start_container(self, name: str) -> None:
        record = self.store.endpoints.load(name)
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
            record = self.store.endpoints.load(name)
        except RecordNotFound:
            owned = False                   # deleted while it started
        if not owned or record.get("EndpointStatus") != ("Updating" if updating else "Creating"):
            endpoint.stop()
            return
        now = time.time()
        if error is not None:
            endpoint.stop()
            if not updating:
                self._fail(record, f"The endpoint could not start its model: {error}")
                return
            pending = record.pop("_pending")
            record.update(EndpointStatus="InService", LastModifiedTime=now, FailureReason=(
                f"The update to endpoint configuration {pending['config']} failed, and the "
                f"endpoint still serves {record['EndpointConfigName']}: {error}")[:1024])
            self.store.endpoints.save(name, record)
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
        self.store.endpoints.save(name, record)
        if previous is not None:
            previous.stop()

    # restarts and shutdown ---------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Start again the endpoints whose server is gone; their names."""
        restarted = []
        for record in self.store.endpoints.records():
            name = record["EndpointName"]
            owner_alive = process_alive(record.get("_server_pid"))
            if record.get("EndpointStatus") == "Deleting" and not owner_alive:
                self.store.endpoints.delete(name)
                continue
            if record.get("EndpointStatus") not in SERVING_STATES or owner_alive:
                continue
            record.update(EndpointStatus="Creating", LastModifiedTime=time.time(),
                          _server_pid=os.getpid())
            record.pop("_url", None)
            record.pop("_pending", None)   # an update the old server did not finish
            for variant in record["ProductionVariants"]:
                variant["CurrentInstanceCount"] = 0
            self.store.endpoints.save(name, record)
            self._launch(name)
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
    def _post(self, url, body: bytes, headers: dict) -> tuple[int, bytes, str | None]:
        """POST /invocations on a kept-alive connection of this request thread to ``url``'s
        container; once more on a fresh one if the kept one was closed meanwhile."""
        connections = self._connections.__dict__.setdefault("by_address", {})
        key = (url.hostname, url.port)
        for attempt in (1, 2):
            connection = connections.pop(key, None)
            fresh = connection is None
            if fresh:
                connection = http.client.HTTPConnection(*key, timeout=INVOKE_TIMEOUT)
                connection.connect()
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                connection.request("POST", "/invocations", body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                if fresh or attempt == 2:
                    raise
                continue
            except BaseException:
                connection.close()
                raise
            if response.will_close:
                connection.close()
            else:
                connections[key] = connection
            return response.status, answer, response.getheader("Content-Type")
        raise AssertionError("unreachable")

    def invoke(self, name: str, body: bytes, headers: dict) -> tuple[int, bytes, dict]:
        """Send an invocation to the endpoint's container: (status, body, headers) of its
        answer when it is 2xx; an InvocationFailure otherwise."""
        try:
            record = self._checked(self.store.endpoints.load(name))
        except RecordNotFound:
            raise InvocationFailure("ValidationError", 400,
                                    f"Endpoint {name} of account 000000000000 not found.") from None
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
            status, answer, content_type = self._post(url, body, headers)
        except TimeoutError:
            raise InvocationFailure(
                "ModelError", 424,
                f"Your invocation timed out while waiting for a response from container "
                f"{PRIMARY}. Review the latency metrics for each container in the log "
                f"{self.store.endpoints.log_path(name)}, resolve the issue, and try again.") \
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
            f"{self.store.endpoints.log_path(name)} (the endpoint's log) for more information.",
            OriginalStatusCode=status, OriginalMessage=text,
            LogStreamArn=f"arn:aws:logs:{region()}:{account}:log-group:/aws/sagemaker/Endpoints/"
                         f"{name}")


def _variant_summaries(variant: dict, model: dict, now: float) -> list[dict]:
    """DescribeEndpoint's ProductionVariants for an endpoint serving ``variant`` of ``model``."""
    image = model["PrimaryContainer"].get("Image")
    weight = float(variant.get("InitialVariantWeight", 1.0))
    return [{"VariantName": variant["VariantName"],
             "DeployedImages": [{"SpecifiedImage": image, "ResolvedImage": image,
                                 "ResolutionTime": now}],
             "CurrentWeight": weight, "DesiredWeight": weight, "CurrentInstanceCount": 0,
             "DesiredInstanceCount": int(variant.get("InitialInstanceCount", 1))}]


def process_alive(pid) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _listing(records: list[dict], body: dict, member: str, fields: tuple, name_field: str) -> dict:
    """ListModels / ListEndpoints: NameContains, creation-time bounds, sort, MaxResults and a
    NextToken that is the index of the next record in the sorted listing."""
    contains = body.get("NameContains")
    if contains:
        records = [r for r in records if str(contains).lower() in r[name_field].lower()]
    for bound, keep in (("CreationTimeAfter", lambda t, b: t > b),
                        ("CreationTimeBefore", lambda t, b: t < b)):
        if body.get(bound) is not None:
            from smemu.emulator.api.listing import epoch
            limit = epoch(body[bound], bound)
            records = [r for r in records if keep(r["CreationTime"], limit)]
    key = {"Name": name_field, "CreationTime": "CreationTime",
           "Status": "EndpointStatus"}.get(body.get("SortBy", "CreationTime"), "CreationTime")
    records.sort(key=lambda r: (r.get(key), r[name_field]),
                 reverse=body.get("SortOrder", "Descending") == "Descending")
    try:
        start = int(body.get("NextToken") or 0)
    except ValueError:
        raise ValidationException("Invalid pagination token: pass the NextToken of the previous "
                                  "answer unchanged.") from None
    size = body.get("MaxResults", 10)
    page = records[start:start + size]
    answer = {member: [{f: r[f] for f in fields if f in r} for r in page]}
    if start + size < len(records):
        answer["NextToken"] = str(start + size)
    return answer
