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
from smemu.emulator.api.listing import epoch
from smemu.emulator.api.training_jobs import _locations, check_location, host_variables
from smemu.emulator.spec import SpecError
from smemu.emulator.store import JobStore
from smemu.emulator.tuning import request as tuning_request
from smemu.emulator.tuning.scheduler import start_tuning
from smemu.emulator.tuning.store import TuningJobExists, TuningJobNotFound, TuningStore

TUNING_JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}")
TUNING_STATUSES = ("Completed", "InProgress", "Failed", "Stopped", "Stopping", "Deleting",
                   "DeleteFailed")
TRAINING_STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")
SUMMARY_FIELDS = ("HyperParameterTuningJobName", "HyperParameterTuningJobArn",
                  "HyperParameterTuningJobStatus", "CreationTime", "HyperParameterTuningEndTime",
                  "LastModifiedTime", "TrainingJobStatusCounters", "ObjectiveStatusCounters")


def check_tuning_job_name(body: dict) -> str:
    name = body.get("HyperParameterTuningJobName")
    if not isinstance(name, str) or not TUNING_JOB_NAME.fullmatch(name):
        shown = "null" if name is None else f"'{str(name)[:100]}'"
        raise ValidationException(
            f"1 validation error detected: Value {shown} at 'hyperParameterTuningJobName' failed "
            f"to satisfy constraint: Member must satisfy regular expression pattern: "
            f"^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,31}}")
    return name


class TuningJobService:
    def __init__(self, store: JobStore, backend: str = "process", allow_file_uris: bool = True):
        self.store = store
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
            run = start_tuning(plan, store=self.store, backend=self.backend)
        except TuningJobExists as error:
            raise ResourceInUse(str(error)) from None
        with self._lock:
            self._runs = {n: r for n, r in self._runs.items() if not r.finished.is_set()}
            self._runs[name] = run
        return {"HyperParameterTuningJobArn": run.arn}

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
        status = record["HyperParameterTuningJobStatus"]
        if status == "Stopping":
            return {}
        if status != "InProgress":
            raise ValidationException(f"The request was rejected because the tuning job is in "
                                      f"status {status}.")
        with self._lock:
            run = self._runs.get(name)
        if run is not None:
            run.stop()
        else:   # run by another process (smemu tune): it watches for the stop file
            self.tunings.request_stop(name)
        return {}

    def list(self, body: dict) -> dict:
        contains = body.get("NameContains")
        status = _enum(body, "StatusEquals", TUNING_STATUSES)
        bounds = {key: epoch(body[key], key[0].lower() + key[1:]) for key in (
            "CreationTimeAfter", "CreationTimeBefore", "LastModifiedTimeAfter",
            "LastModifiedTimeBefore") if body.get(key) is not None}
        summaries = []
        for name in self.tunings.names():
            try:
                record = self.tunings.describe(name)
            except TuningJobNotFound:
                continue
            if contains and str(contains).lower() not in name.lower():
                continue
            if status and record["HyperParameterTuningJobStatus"] != status:
                continue
            if not _within(record, bounds):
                continue
            item = {k: record[k] for k in SUMMARY_FIELDS if k in record}
            config = record["HyperParameterTuningJobConfig"]
            item["Strategy"] = config["Strategy"]
            item["ResourceLimits"] = config["ResourceLimits"]
            summaries.append(item)
        sort_by = _enum(body, "SortBy", ("Name", "Status", "CreationTime")) or "CreationTime"
        field = {"Name": "HyperParameterTuningJobName", "Status": "HyperParameterTuningJobStatus",
                 "CreationTime": "CreationTime"}[sort_by]
        return _page(summaries, field, body, "HyperParameterTuningJobSummaries")

    def list_training_jobs(self, body: dict) -> dict:
        name = check_tuning_job_name(body)
        try:
            record = self.tunings.load(name)
        except TuningJobNotFound:
            raise ResourceNotFound(f"Amazon SageMaker can't find a tuning job with name "
                                   f"{name}") from None
        jobs = self.tunings.training_jobs(record)
        status = _enum(body, "StatusEquals", TRAINING_STATUSES)
        if status:
            jobs = [j for j in jobs if j["TrainingJobStatus"] == status]
        sort_by = _enum(body, "SortBy", ("Name", "CreationTime", "Status",
                                         "FinalObjectiveMetricValue")) or "CreationTime"
        field = {"Name": "TrainingJobName", "CreationTime": "CreationTime",
                 "Status": "TrainingJobStatus",
                 "FinalObjectiveMetricValue": "_objective"}[sort_by]
        for job in jobs:
            metric = job.get("FinalHyperParameterTuningJobObjectiveMetric")
            job["_objective"] = metric["Value"] if metric else None
        answer = _page(jobs, field, body, "TrainingJobSummaries")
        for job in answer["TrainingJobSummaries"]:
            job.pop("_objective", None)
        return answer


def _enum(body: dict, member: str, values: tuple):
    value = body.get(member)
    if value is not None and value not in values:
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{member[0].lower() + member[1:]}' "
            f"failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(values)}]")
    return value


def _within(record: dict, bounds: dict) -> bool:
    for key, bound in bounds.items():
        field = "CreationTime" if key.startswith("Creation") else "LastModifiedTime"
        value = record.get(field, 0)
        if (key.endswith("After") and value <= bound) or (key.endswith("Before") and value >= bound):
            return False
    return True


def _page(items: list[dict], field: str, body: dict, member: str) -> dict:
    """Sorted by ``field`` (then name), one page of ``MaxResults`` (default 100), with an offset
    NextToken."""
    max_results = body.get("MaxResults", 100)
    if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= 100:
        raise ValidationException(f"1 validation error detected: Value {max_results!r} at "
                                  f"'maxResults' failed to satisfy constraint: Member must have "
                                  f"value between 1 and 100")
    order = _enum(body, "SortOrder", ("Ascending", "Descending")) or "Descending"
    present = [i for i in items if i.get(field) is not None]
    absent = [i for i in items if i.get(field) is None]
    present.sort(key=lambda i: i[field], reverse=order == "Descending")
    items = present + absent
    token = body.get("NextToken")
    try:
        start = int(token) if token else 0
    except (TypeError, ValueError):
        raise ValidationException("Invalid pagination token: pass the NextToken of the previous "
                                  "answer unchanged.") from None
    page = items[start:start + max_results]
    answer = {member: page}
    if start + max_results < len(items):
        answer["NextToken"] = str(start + max_results)
    return answer
