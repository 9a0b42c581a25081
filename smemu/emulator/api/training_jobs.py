"""The training job operations of the SageMaker API, over the jobs root and the runner.

``TrainingJobService(store, backend, allow_file_uris).operations()`` maps ``CreateTrainingJob``,
``DescribeTrainingJob``, ``ListTrainingJobs`` and ``StopTrainingJob`` (the ``SageMaker.`` targets)
to handlers taking the request body and returning the response body (or raising an
:mod:`errors` exception).

Every request was checked against botocore's model of its operation at dispatch
(:mod:`smemu.emulator.api.request_checks`). What a request may reach on the host is kept narrow: the
job name is checked against the API's pattern again before it is used as a directory name in the
jobs root; S3 URIs may be ``s3://`` (or
``https://``) and — unless turned off — absolute ``file://`` URIs, never plain or relative paths;
environment variables that would steer the host's interpreter or loader are refused.
"""

from __future__ import annotations

import logging
import threading
import time

from smemu.emulator.api.errors import (ApiError, ResourceInUse, ResourceNotFound,
                                      ValidationException)
from smemu.emulator.environment import RULE
from smemu.emulator.api.listing import list_training_jobs
from smemu.emulator.api.shared import (check_location, check_name, host_variables, invalid,
                                       stop_in_progress)
from smemu.emulator.runner import start_job
from smemu.emulator.spec import SpecError, TrainingJobSpec
from smemu.emulator.storage import Storages
from smemu.emulator.store import JobExists, JobNotFound, JobStore, StoreFull

log = logging.getLogger("smemu.api")

class TrainingJobService:
    def __init__(self, store: JobStore, backend: str = "process", allow_file_uris: bool = True):
        self.store = store
        self.backend = backend
        self.allow_file_uris = allow_file_uris
        self._handles: dict = {}
        self._lock = threading.Lock()
        # what the jobs of this server may read and write (a manifest's prefix included)
        self.storages = Storages(allow_local=allow_file_uris)

    def operations(self) -> dict:
        return {"CreateTrainingJob": self.create_training_job,
                "DescribeTrainingJob": self.describe_training_job,
                "ListTrainingJobs": self.list_training_jobs,
                "StopTrainingJob": self.stop_training_job}

    # restart semantics -------------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Load every job once, so the store records as Failed those whose runner process died
        (a killed server); the names of the jobs that just became Failed that way."""
        since = time.time()
        return [record["TrainingJobName"] for record in self.store.records()
                if record.get("TrainingJobStatus") == "Failed"
                and record.get("LastModifiedTime", 0) >= since]

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop the jobs this server runs and wait (a while) for them to wind down."""
        with self._lock:
            handles = list(self._handles.values())
        for handle in handles:
            if not handle.done:
                handle.stop()
        deadline = time.monotonic() + timeout
        for handle in handles:
            handle.wait(max(0.0, deadline - time.monotonic()))

    # operations --------------------------------------------------------------------------------
    def create_training_job(self, body: dict) -> dict:
        name = check_name(body, "TrainingJobName")
        self._check_locations(body)
        self._check_environment(body)
        try:
            spec = TrainingJobSpec.from_request(body)
        except SpecError as error:
            raise ValidationException(error.aws_message()) from None
        try:
            handle = start_job(spec, store=self.store, backend=self.backend,
                               storages=self.storages,
                               on_log=lambda line, name=name: log.debug("%s: %s", name, line))
        except JobExists as error:
            raise ResourceInUse(str(error)) from None
        except StoreFull as error:
            raise ApiError(error.strerror) from None
        with self._lock:
            self._handles = {n: h for n, h in self._handles.items() if not h.done}
            self._handles[name] = handle
        return {"TrainingJobArn": handle.describe()["TrainingJobArn"]}

    def describe_training_job(self, body: dict) -> dict:
        name = check_name(body, "TrainingJobName")
        try:
            return self.store.load(name)
        except JobNotFound:
            # what SageMaker answers (a ValidationException, not ResourceNotFound)
            raise ValidationException(f"Requested resource not found: there is no training job "
                                      f"named '{name}'.") from None

    def list_training_jobs(self, body: dict) -> dict:
        return list_training_jobs(self.store.records(), body)

    def stop_training_job(self, body: dict) -> dict:
        name = check_name(body, "TrainingJobName")
        try:
            record = self.store.load(name)
        except JobNotFound:
            raise ResourceNotFound(f"Requested resource not found: there is no training job "
                                   f"named '{name}'.") from None
        with self._lock:
            handle = self._handles.get(name)
        return stop_in_progress("training job", record.get("TrainingJobStatus"), handle,
                                lambda: self.store.request_stop(name))

    # request checks ----------------------------------------------------------------------------
    def _check_locations(self, body: dict) -> None:
        for path, uri in _locations(body):
            check_location(path, uri, self.allow_file_uris)

    def _check_environment(self, body: dict) -> None:
        environment = body.get("Environment")
        if self.backend != "process" or not isinstance(environment, dict):
            return
        refused = host_variables(environment)
        if refused:
            raise invalid("environment", f"Environment sets {', '.join(refused)}, which would "
                          f"change how the host runs the job's process (the process backend runs "
                          f"it on this machine): {RULE}. Leave them out, or start the server with "
                          f"--backend docker.")


def _locations(body: dict):
    """(API field path, value) of every member of a CreateTrainingJob request naming a location."""
    channels = body.get("InputDataConfig")
    if isinstance(channels, list):
        for i, channel in enumerate(channels):
            source = channel.get("DataSource") if isinstance(channel, dict) else None
            s3 = source.get("S3DataSource") if isinstance(source, dict) else None
            if isinstance(s3, dict) and "S3Uri" in s3:
                yield f"inputDataConfig.{i + 1}.member.dataSource.s3DataSource.s3Uri", s3["S3Uri"]
    for member, field, path in (("OutputDataConfig", "S3OutputPath", "outputDataConfig.s3OutputPath"),
                                ("CheckpointConfig", "S3Uri", "checkpointConfig.s3Uri")):
        section = body.get(member)
        if isinstance(section, dict) and field in section:
            yield path, section[field]
