"""The hyperparameter tuning operations of the SageMaker API: ``CreateHyperParameterTuningJob``,
``DescribeHyperParameterTuningJob``, ``ListHyperParameterTuningJobs``,
``StopHyperParameterTuningJob`` and ``ListTrainingJobsForHyperParameterTuningJob``.

A tuning job runs in a thread of the server (:mod:`smemu.emulator.tuning.scheduler`); its training
jobs are ordinary training jobs of the same jobs root and backend, so DescribeTrainingJob,
ListTrainingJobs and StopTrainingJob see them too. The request is refused with every problem listed
in one ValidationException (:mod:`smemu.emulator.tuning.request`).
"""

from __future__ import annotations

import re
import threading
import time

from smemu.emulator.api.errors import ResourceInUse, ResourceNotFound, ValidationException
from smemu.emulator.api.listing import listing
from smemu.emulator.api.shared import check_location, host_variables, invalid, stop_in_progress
from smemu.emulator.api.training_jobs import _locations
from smemu.emulator.spec import SpecError
from smemu.emulator.store import JobStore
from smemu.emulator.tuning import request as tuning_request
from smemu.emulator.tuning.scheduler import start_tuning
from smemu.emulator.tuning.store import TuningJobExists, TuningJobNotFound, TuningStore

TUNING_JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}")
SUMMARY_FIELDS = ("HyperParameterTuningJobName", "HyperParameterTuningJobArn",
                  "HyperParameterTuningJobStatus", "Strategy", "CreationTime",
                  "HyperParameterTuningEndTime", "LastModifiedTime", "TrainingJobStatusCounters",
                  "ObjectiveStatusCounters", "ResourceLimits")
TRAINING_SUMMARY_FIELDS = ("TrainingJobDefinitionName", "TrainingJobName", "TrainingJobArn",
                           "TuningJobName", "CreationTime", "TrainingStartTime", "TrainingEndTime",
                           "TrainingJobStatus", "TunedHyperParameters", "FailureReason",
                           "FinalHyperParameterTuningJobObjectiveMetric", "ObjectiveStatus")


def check_tuning_job_name(body: dict) -> str:
    """The name, once it matches the API's pattern (it names a directory of the jobs root)."""
    name = body.get("HyperParameterTuningJobName")
    if name is None:
        raise invalid("hyperParameterTuningJobName", "Member must not be null")
    if not isinstance(name, str) or not TUNING_JOB_NAME.fullmatch(name):
        raise invalid("hyperParameterTuningJobName", f"Value '{str(name)[:100]}' must satisfy "
                      f"regular expression pattern: ^{TUNING_JOB_NAME.pattern}")
    return name


class TuningJobService:
    """``tags`` (a :class:`~smemu.emulator.api.tags.TagStore`) gets the tuning job's Tags for each
    training job it launches, as SageMaker propagates them."""

    def __init__(self, store: JobStore, backend: str = "process", allow_file_uris: bool = True,
                 tags=None):
        self.store = store
        self.tags = tags
        self.tunings = TuningStore(store)
        self.backend = backend
        self.allow_file_uris = allow_file_uris
        self._runs: dict = {}
        self._lock = threading.Lock()

    def operations(self) -> dict:
        return {"CreateHyperParameterTuningJob": self.create,
                "DescribeHyperParameterTuningJob": self.describe,
                "ListHyperParameterTuningJobs": self.list,
                "StopHyperParameterTuningJob": self.stop,
                "ListTrainingJobsForHyperParameterTuningJob": self.list_training_jobs}

    def shutdown(self, timeout: float = 30.0) -> None:
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            run.stop()
        deadline = time.monotonic() + timeout
        for run in runs:
            run.wait(max(0.0, deadline - time.monotonic()))

    # operations --------------------------------------------------------------------------------
    def create(self, body: dict) -> dict:
        name = check_tuning_job_name(body)
        definition = body.get("TrainingJobDefinition")
        if isinstance(definition, dict):
            for path, uri in _locations(definition):
                check_location("trainingJobDefinition." + path, uri, self.allow_file_uris)
            environment = definition.get("Environment")
            if self.backend == "process" and isinstance(environment, dict) and host_variables(environment):
                raise ValidationException(
                    f"1 validation error detected: TrainingJobDefinition.Environment sets "
                    f"{', '.join(host_variables(environment))}, which would change how the host "
                    f"runs the jobs' processes. Leave them out, or start the server with "
                    f"--backend docker.")
        try:
            plan = tuning_request.plan(body, load_parent=self.tunings.load)
        except SpecError as error:
            raise ValidationException(error.aws_message()) from None
        try:
            run = start_tuning(plan, store=self.store, backend=self.backend,
                               on_launch=self._tag_training_job)
        except TuningJobExists as error:
            raise ResourceInUse(str(error)) from None
        with self._lock:
            self._runs = {n: r for n, r in self._runs.items() if not r.finished.is_set()}
            self._runs[name] = run
        return {"HyperParameterTuningJobArn": run.arn}

    def _tag_training_job(self, request: dict, arn: str) -> None:
        if self.tags is not None and request.get("Tags"):
            self.tags.add(arn, request["Tags"])

    def _load(self, body: dict) -> dict:
        name = check_tuning_job_name(body)
        try:
            return self.tunings.describe(name)
        except TuningJobNotFound:
            raise ResourceNotFound(f"Amazon SageMaker can't find a tuning job with name "
                                   f"{name}") from None

    def describe(self, body: dict) -> dict:
        return self._load(body)

    def stop(self, body: dict) -> dict:
        record = self._load(body)
        name = record["HyperParameterTuningJobName"]
        with self._lock:
            run = self._runs.get(name)
        return stop_in_progress("tuning job", record["HyperParameterTuningJobStatus"], run,
                                lambda: self.tunings.request_stop(name))

    def list(self, body: dict) -> dict:
        records = []
        for name in self.tunings.names():
            try:
                record = self.tunings.describe(name)
            except TuningJobNotFound:
                continue
            config = record["HyperParameterTuningJobConfig"]
            record.update(Strategy=config["Strategy"], ResourceLimits=config["ResourceLimits"])
            records.append(record)
        return listing(records, body, "HyperParameterTuningJobSummaries", SUMMARY_FIELDS,
                       "HyperParameterTuningJobName",
                       {"Name": "HyperParameterTuningJobName", "Status": "HyperParameterTuningJobStatus",
                        "CreationTime": "CreationTime"},
                       "ListHyperParameterTuningJobs", status_field="HyperParameterTuningJobStatus")

    def list_training_jobs(self, body: dict) -> dict:
        name = check_tuning_job_name(body)
        try:
            record = self.tunings.load(name)
        except TuningJobNotFound:
            raise ResourceNotFound(f"Amazon SageMaker can't find a tuning job with name "
                                   f"{name}") from None
        jobs = self.tunings.training_jobs(record)
        for job in jobs:
            metric = job.get("FinalHyperParameterTuningJobObjectiveMetric")
            job["_objective"] = metric["Value"] if metric else None
        return listing(jobs, body, "TrainingJobSummaries", TRAINING_SUMMARY_FIELDS, "TrainingJobName",
                       {"Name": "TrainingJobName", "CreationTime": "CreationTime",
                        "Status": "TrainingJobStatus", "FinalObjectiveMetricValue": "_objective"},
                       "ListTrainingJobsForHyperParameterTuningJob", status_field="TrainingJobStatus")
