"""The hosting operations of the SageMaker API: models, endpoint configurations and endpoints.

``EndpointService(jobs_root, backend, allow_file_uris).operations()`` maps ``CreateModel``,
``DescribeModel``, ``DeleteModel``, ``ListModels``, ``CreateEndpointConfig``,
``DescribeEndpointConfig``, ``DeleteEndpointConfig``, ``CreateEndpoint``, ``DescribeEndpoint``,
``UpdateEndpoint``, ``DeleteEndpoint`` and ``ListEndpoints`` to handlers: the API's side — what a
request may ask, the records' shapes, the errors in the service's words. Running the endpoints
(their containers' lifecycle, restarts, invocations) is :mod:`smemu.emulator.hosting`'s;
:mod:`runtime` answers InvokeEndpoint through :meth:`EndpointService.invoke`.

``CreateEndpoint`` answers at once with the endpoint ``Creating``; ``UpdateEndpoint`` answers with
it ``Updating``; ``DeleteEndpoint`` stops its container (SIGTERM) and forgets the endpoint.
"""

from __future__ import annotations

import os
import time

from smemu.algorithms.registry import serving_algorithms
from smemu.emulator.api.errors import ValidationException
from smemu.emulator.api.listing import listing
from smemu.emulator.api.shared import (account_of, arn, check_location, check_name,
                                        host_variables, invalid)
from smemu.emulator.hosting import EndpointHost
from smemu.emulator.hosting_store import HostingStore, RecordExists, RecordNotFound
from smemu.emulator.image_names import UnknownImage, algorithm_for_image
from smemu.emulator.storage import Storages

MODEL_FIELDS = ("ModelName", "PrimaryContainer", "Containers", "InferenceExecutionConfig",
                "ExecutionRoleArn", "VpcConfig", "EnableNetworkIsolation")
CONFIG_FIELDS = ("EndpointConfigName", "ProductionVariants", "DataCaptureConfig", "KmsKeyId",
                 "AsyncInferenceConfig", "ExplainerConfig", "ExecutionRoleArn", "VpcConfig",
                 "EnableNetworkIsolation")


def check_serving_environment(environment: dict, member: str = "environment") -> None:
    """Serving containers run as processes on this machine (the process backend): no variable
    that would change how the host runs them."""
    refused = host_variables(environment)
    if refused:
        raise invalid(member, f"Environment sets {', '.join(refused)}, which would change how the "
                              f"host runs the serving process (smemu serves models as processes "
                              f"on this machine). Leave them out, or start the server with "
                              f"--backend docker.")


def public(record: dict) -> dict:
    """A record without its private members (those starting with "_")."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


class EndpointService:
    def __init__(self, jobs_root, backend: str = "process", allow_file_uris: bool = True,
                 startup_timeout: float = 120.0):
        self.store = HostingStore(jobs_root)
        # endpoints run where the server's jobs run: local processes, or the algorithm's image
        # with the container's port published on loopback (the docker backend)
        self.backend = backend
        self.allow_file_uris = allow_file_uris
        self.host = EndpointHost(self.store.endpoints, backend, startup_timeout,
                                 Storages(allow_local=allow_file_uris))

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
        name = check_name(body, "ModelName")
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
        return self._model(check_name(body, "ModelName"))

    def delete_model(self, body: dict) -> dict:
        name = check_name(body, "ModelName")
        self._model(name)
        self.store.models.delete(name)
        return {}

    def list_models(self, body: dict) -> dict:
        return listing(self.store.models.records(), body, "Models",
                       ("ModelName", "ModelArn", "CreationTime"), "ModelName",
                       {"Name": "ModelName", "CreationTime": "CreationTime"}, "ListModels")

    def _model(self, name: str) -> dict:
        try:
            return self.store.models.load(name)
        except RecordNotFound:
            raise ValidationException(
                f'Could not find model "{arn("model", name)}".') from None

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
            raise invalid("primaryContainer", "Member must not be null (give the model's image "
                                              "and data).")
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
        if self.backend == "process":
            check_serving_environment(environment, "primaryContainer.environment")

    # endpoint configurations -------------------------------------------------------------------
    def create_endpoint_config(self, body: dict) -> dict:
        name = check_name(body, "EndpointConfigName")
        variants = body.get("ProductionVariants")
        if len(variants) > 1:
            raise ValidationException("smemu serves endpoints of one production variant; give "
                                      "ProductionVariants a single variant.")
        variant = variants[0]
        model = self._model(check_name(variant, "ModelName"))
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
        return self._config(check_name(body, "EndpointConfigName"))

    def delete_endpoint_config(self, body: dict) -> dict:
        name = check_name(body, "EndpointConfigName")
        self._config(name)
        self.store.configs.delete(name)
        return {}

    def _config(self, name: str) -> dict:
        try:
            return self.store.configs.load(name)
        except RecordNotFound:
            raise ValidationException(f'Could not find endpoint configuration '
                                      f'"{arn("endpoint-config", name)}".') \
                from None

    # endpoints ---------------------------------------------------------------------------------
    def create_endpoint(self, body: dict) -> dict:
        name = check_name(body, "EndpointName")
        config_name = check_name(body, "EndpointConfigName")
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
        self.host.launch(name)
        return {"EndpointArn": endpoint_arn}

    def describe_endpoint(self, body: dict) -> dict:
        return public(self._endpoint(check_name(body, "EndpointName")))

    def update_endpoint(self, body: dict) -> dict:
        """Serve another endpoint configuration: the endpoint is Updating while the new
        container starts, then InService on it (the old one stops); if it cannot start, the
        endpoint stays InService on the old one, with the FailureReason."""
        name = check_name(body, "EndpointName")
        config_name = check_name(body, "EndpointConfigName")
        record = self._endpoint(name)
        if record.get("EndpointStatus") != "InService":
            raise ValidationException(
                f'Cannot update in-progress endpoint "{record["EndpointArn"]}".')
        if not self.host.owns(record):
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
        self.host.launch(name)
        return {"EndpointArn": record["EndpointArn"]}

    def list_endpoints(self, body: dict) -> dict:
        records = [self.host.checked(record) for record in self.store.endpoints.records()]
        return listing(records, body, "Endpoints",
                       ("EndpointName", "EndpointArn", "CreationTime", "LastModifiedTime",
                        "EndpointStatus"), "EndpointName",
                       {"Name": "EndpointName", "CreationTime": "CreationTime",
                        "Status": "EndpointStatus"}, "ListEndpoints",
                       status_field="EndpointStatus")

    def delete_endpoint(self, body: dict) -> dict:
        name = check_name(body, "EndpointName")
        record = self._endpoint(name)
        record.update(EndpointStatus="Deleting", LastModifiedTime=time.time())
        self.store.endpoints.save(name, record)
        self.host.stop(name)
        self.store.endpoints.delete(name)
        return {}

    def _endpoint(self, name: str) -> dict:
        try:
            record = self.store.endpoints.load(name)
        except RecordNotFound:
            raise ValidationException(f'Could not find endpoint '
                                      f'"{arn("endpoint", name)}".') from None
        return self.host.checked(record)

    def invoke(self, name: str, body: bytes, headers: dict) -> tuple[int, bytes, dict]:
        return self.host.invoke(name, body, headers)

    def recover(self) -> list[str]:
        return self.host.recover()

    def shutdown(self) -> None:
        self.host.shutdown()


def _variant_summaries(variant: dict, model: dict, now: float) -> list[dict]:
    """DescribeEndpoint's ProductionVariants for an endpoint serving ``variant`` of ``model``."""
    image = model["PrimaryContainer"].get("Image")
    weight = float(variant.get("InitialVariantWeight", 1.0))
    return [{"VariantName": variant["VariantName"],
             "DeployedImages": [{"SpecifiedImage": image, "ResolvedImage": image,
                                 "ResolutionTime": now}],
             "CurrentWeight": weight, "DesiredWeight": weight, "CurrentInstanceCount": 0,
             "DesiredInstanceCount": int(variant.get("InitialInstanceCount", 1))}]
