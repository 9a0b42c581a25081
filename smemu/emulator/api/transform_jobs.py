"""The batch transform operations of the SageMaker API: ``CreateTransformJob``,
``DescribeTransformJob``, ``ListTransformJobs`` and ``StopTransformJob``.

A transform job runs :func:`smemu.emulator.transform.run_transform` in a thread of the server with
the model's image and data (a model made by ``CreateModel``), its ``TransformInput``
(S3Prefix or ManifestFile, Gzip or not, ContentType, SplitType), ``TransformOutput``
(S3OutputPath, Accept, AssembleWith), ``BatchStrategy``, ``MaxPayloadInMB`` and
``MaxConcurrentTransforms``; ``<S3OutputPath>/<key>.out`` per input object, as SageMaker writes
them. Its container's log is ``<jobs root>/.hosting/transform-jobs/<name>.log``. A job a stopped
server was running is Failed when the next server starts.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from smemu.emulator.api.endpoints import check_serving_environment, public
from smemu.emulator.api.errors import ResourceNotFound, ValidationException
from smemu.emulator.api.listing import listing
from smemu.emulator.api.shared import (account_of, arn, check_location, check_name,
                                        process_alive)
from smemu.emulator.hosting import model_data_url
from smemu.emulator.hosting_store import HostingStore, RecordExists, RecordNotFound
from smemu.emulator.image_names import algorithm_for_image
from smemu.emulator.storage import Storages
from smemu.emulator.data_processing import DataProcessing, DataProcessingError
from smemu.emulator.transform import (TransformConfig, TransformError, TransformStopped,
                                      run_transform)

log = logging.getLogger("smemu.api")

FIELDS = ("TransformJobName", "ModelName", "MaxConcurrentTransforms", "MaxPayloadInMB",
          "BatchStrategy", "Environment", "TransformInput", "TransformOutput",
          "TransformResources", "DataProcessing", "ExperimentConfig", "ModelClientConfig")


class TransformJobService:
    def __init__(self, jobs_root, allow_file_uris: bool = True):
        self.store = HostingStore(jobs_root)
        self.allow_file_uris = allow_file_uris
        self.storages = Storages(allow_local=allow_file_uris)
        self._stops: dict[str, threading.Event] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def operations(self) -> dict:
        return {"CreateTransformJob": self.create_transform_job,
                "DescribeTransformJob": self.describe_transform_job,
                "ListTransformJobs": self.list_transform_jobs,
                "StopTransformJob": self.stop_transform_job}

    def create_transform_job(self, body: dict) -> dict:
        name = check_name(body, "TransformJobName")
        model_name = check_name(body, "ModelName")
        try:
            model = self.store.models.load(model_name)
        except RecordNotFound:
            raise ValidationException(f"Could not find model "
                                      f'"{arn("model", model_name)}".') from None
        source = ((body.get("TransformInput") or {}).get("DataSource") or {}).get("S3DataSource")
        output = (body.get("TransformOutput") or {}).get("S3OutputPath")
        if not isinstance(source, dict) or not isinstance(source.get("S3Uri"), str):
            raise ValidationException("TransformInput.DataSource.S3DataSource.S3Uri is required.")
        if not isinstance(output, str):
            raise ValidationException("TransformOutput.S3OutputPath is required.")
        check_location("transformInput.dataSource.s3DataSource.s3Uri", source["S3Uri"],
                       self.allow_file_uris)
        check_location("transformOutput.s3OutputPath", output, self.allow_file_uris)
        if not isinstance(body.get("Environment") or {}, dict):
            raise ValidationException("Environment must be a map of strings.")
        check_serving_environment(body.get("Environment") or {})
        try:
            self._config(body).check()
        except TransformError as error:
            raise ValidationException(str(error)) from None
        job_arn = arn("transform-job", name, account_of(model.get("ExecutionRoleArn")))
        now = time.time()
        record = {k: body[k] for k in FIELDS if k in body}
        record.update(TransformJobArn=job_arn, TransformJobStatus="InProgress",
                      CreationTime=now, TransformStartTime=now, _model=model,
                      _server_pid=os.getpid())
        try:
            self.store.transform_jobs.create(name, record)
        except RecordExists:
            raise ValidationException(f"Job name must be unique within an AWS account and "
                                      f"region, and a job with this name already exists "
                                      f"({job_arn})") from None
        stop = threading.Event()
        thread = threading.Thread(target=self._run, args=(name, stop), daemon=True,
                                  name=f"smemu-transform-{name}")
        with self._lock:
            self._stops[name] = stop
            self._threads.append(thread)
        thread.start()
        return {"TransformJobArn": job_arn}

    def describe_transform_job(self, body: dict) -> dict:
        return public(self._load(check_name(body, "TransformJobName")))

    def list_transform_jobs(self, body: dict) -> dict:
        records = [self._checked(r) for r in self.store.transform_jobs.records()]
        fields = ("TransformJobName", "TransformJobArn", "CreationTime", "TransformEndTime",
                  "LastModifiedTime", "TransformJobStatus", "FailureReason")
        return listing(records, body, "TransformJobSummaries", fields, "TransformJobName",
                       {"Name": "TransformJobName", "CreationTime": "CreationTime",
                        "Status": "TransformJobStatus"}, "ListTransformJobs",
                       status_field="TransformJobStatus")

    def stop_transform_job(self, body: dict) -> dict:
        name = check_name(body, "TransformJobName")
        try:
            record = self._load(name)
        except ValidationException:
            raise ResourceNotFound(f"Could not find transform job '{name}'.") from None
        if record["TransformJobStatus"] not in ("InProgress", "Stopping"):
            raise ValidationException(f"The request was rejected because the transform job is "
                                      f"in status {record['TransformJobStatus']}.")
        with self._lock:
            stop = self._stops.get(name)
        if stop is None:
            raise ValidationException(f"Transform job {name} is run by another smemu server "
                                      f"(pid {record.get('_server_pid')}); stop it there.")
        record["TransformJobStatus"] = "Stopping"
        self.store.transform_jobs.save(name, record)
        stop.set()
        return {}

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop the transform jobs this server runs (they end Stopped)."""
        with self._lock:
            stops, threads = list(self._stops.values()), list(self._threads)
        for stop in stops:
            stop.set()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    # ---------------------------------------------------------------------------------------
    def _load(self, name: str) -> dict:
        try:
            return self._checked(self.store.transform_jobs.load(name))
        except RecordNotFound:
            raise ValidationException(f"Could not find requested job with name {name}") from None

    def _checked(self, record: dict) -> dict:
        """A job whose server is gone ends Failed."""
        if record["TransformJobStatus"] in ("InProgress", "Stopping") and \
                not process_alive(record.get("_server_pid")):
            self._finish(record, "Failed", "InternalServerError: the smemu server that ran this "
                                           "transform job stopped before it ended; run it again.")
        return record

    def _finish(self, record: dict, status: str, reason: str | None = None) -> None:
        record.update(TransformJobStatus=status, TransformEndTime=time.time())
        if reason:
            record["FailureReason"] = reason[:1024]
        self.store.transform_jobs.save(record["TransformJobName"], record)

    @staticmethod
    def _config(body: dict) -> TransformConfig:
        transform_input = body.get("TransformInput") or {}
        transform_output = body.get("TransformOutput") or {}
        try:
            processing = DataProcessing.from_request(body.get("DataProcessing"))
        except DataProcessingError as error:
            raise TransformError(str(error)) from None
        return TransformConfig(
            data_processing=processing,
            content_type=transform_input.get("ContentType") or "text/csv",
            accept=transform_output.get("Accept"),
            split_type=transform_input.get("SplitType", "None"),
            strategy=body.get("BatchStrategy", "MultiRecord"),
            assemble_with=transform_output.get("AssembleWith", "None"),
            max_payload_mb=body.get("MaxPayloadInMB", 6),
            max_concurrent=body.get("MaxConcurrentTransforms", 1))

    def _run(self, name: str, stop: threading.Event) -> None:
        record = self.store.transform_jobs.load(name)
        container = record["_model"]["PrimaryContainer"]
        source = record["TransformInput"]["DataSource"]["S3DataSource"]
        log_path = self.store.transform_jobs.log_path(name)

        def on_log_line(line: str) -> None:
            with open(log_path, "a") as log_file:
                log_file.write(line + "\n")
            log.debug("transform job %s: %s", name, line)

        environment = {**(container.get("Environment") or {}), **(record.get("Environment") or {})}
        try:
            run_transform(model_data_url(container), algorithm_for_image(container["Image"]),
                          source["S3Uri"], record["TransformOutput"]["S3OutputPath"],
                          self._config(record), data_type=source.get("S3DataType", "S3Prefix"),
                          compression=record["TransformInput"].get("CompressionType", "None"),
                          environment={k: str(v) for k, v in environment.items()},
                          on_log_line=on_log_line, stop_event=stop, storages=self.storages)
            outcome = ("Completed", None)
        except TransformStopped:
            outcome = ("Stopped", None)
        except Exception as error:   # TransformError, ServingError, a storage failure, ...
            outcome = ("Failed", f"ClientError: {error}" if isinstance(error, TransformError)
                       else str(error))
        finally:
            with self._lock:
                self._stops.pop(name, None)
        record = self.store.transform_jobs.load(name)
        if outcome[0] == "Completed" and record["TransformJobStatus"] == "Stopping":
            outcome = ("Stopped", None)      # stopped after its last request
        self._finish(record, *outcome)
