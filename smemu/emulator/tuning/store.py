"""Tuning job records, beside the training jobs they launch, and what DescribeHyperParameterTuningJob
reports of them.

``<jobs root>/.tuning/<name>/tuning.json`` holds the request's members, the status and the names
of the training jobs it launched (with their tuned hyperparameters); the counters, the best
training job and the per-job summaries are computed from the training jobs' own records when
asked, so they are right whichever process ran the jobs. A record whose scheduler process died is
reported Failed, as the training job store does.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path

from smemu.emulator.api.shared import process_alive
from smemu.emulator.store import JobNotFound, JobStore

RUNNING = ("InProgress", "Stopping")


class TuningJobExists(Exception):
    pass


class TuningJobNotFound(KeyError):
    pass


class TuningStore:
    RECORD = "tuning.json"

    def __init__(self, jobs: JobStore):
        self.jobs = jobs
        self.root = Path(jobs.root) / ".tuning"

    def create(self, record: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        name = record["HyperParameterTuningJobName"]
        try:
            (self.root / name).mkdir()
        except FileExistsError:
            raise TuningJobExists(f"A hyperparameter tuning job named '{name}' already exists "
                                  f"(names are unique within an account and region).") from None
        self.save(record)

    def save(self, record: dict) -> None:
        directory = self.root / record["HyperParameterTuningJobName"]
        fd, tmp = tempfile.mkstemp(prefix=".tuning-", suffix=".json", dir=directory)
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle, indent=1)
        os.replace(tmp, directory / self.RECORD)

    def load(self, name: str) -> dict:
        try:
            record = json.loads((self.root / name / self.RECORD).read_text())
        except (FileNotFoundError, NotADirectoryError, ValueError):
            raise TuningJobNotFound(name) from None
        if record.get("HyperParameterTuningJobStatus") in RUNNING and not process_alive(record.get("_pid")):
            now = time.time()
            record.update(HyperParameterTuningJobStatus="Failed", HyperParameterTuningEndTime=now,
                          LastModifiedTime=now, FailureReason=(
                              f"InternalServerError: the smemu process that ran this tuning job "
                              f"(pid {record.get('_pid')}) ended before the tuning job did."))
            self.save(record)
        return record

    # stop requests from another process ---------------------------------------------------------
    def request_stop(self, name: str) -> None:
        (self.root / name / "stop").touch()

    def stop_requested(self, name: str) -> bool:
        return (self.root / name / "stop").exists()

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / self.RECORD).is_file())

    # what the API reports -----------------------------------------------------------------------
    def training_jobs(self, record: dict) -> list[dict]:
        """HyperParameterTrainingJobSummary of each training job the tuning job launched."""
        out = []
        for launched in record.get("_training_jobs", []):
            try:
                job = self.jobs.load(launched["TrainingJobName"])
            except JobNotFound:
                continue
            out.append(summary(job, record, launched))
        return out

    def describe(self, name: str) -> dict:
        record = self.load(name)
        jobs = self.training_jobs(record)
        answer = {k: v for k, v in record.items() if not k.startswith("_")}
        answer["TrainingJobStatusCounters"] = status_counters(jobs)
        answer["ObjectiveStatusCounters"] = objective_counters(jobs)
        best = best_job(jobs, direction(record))
        if best:
            answer["BestTrainingJob"] = best
        if record.get("WarmStartConfig"):
            candidates = [best] if best else []
            for parent in record.get("_parents", []):
                try:
                    theirs = self.describe(parent)
                except TuningJobNotFound:
                    continue
                found = theirs.get("OverallBestTrainingJob") or theirs.get("BestTrainingJob")
                if found:
                    candidates.append(found)
            overall = best_job(candidates, direction(record))
            if overall:
                answer["OverallBestTrainingJob"] = overall
        end = record.get("HyperParameterTuningEndTime") or time.time()
        answer["ConsumedResources"] = {"RuntimeInSeconds": int(round(end - record["CreationTime"]))}
        return answer

    def history(self, name: str) -> list[tuple[dict, float | None]]:
        """(tuned hyperparameters, objective) of a tuning job's training jobs (for warm start)."""
        record = self.load(name)
        return [(j["TunedHyperParameters"],
                 (j.get("FinalHyperParameterTuningJobObjectiveMetric") or {}).get("Value"))
                for j in self.training_jobs(record)]


def direction(record: dict) -> str:
    return record["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"].get(
        "Type") or record.get("_direction", "Minimize")


def objective_value(job: dict, metric: str) -> float | None:
    for item in job.get("FinalMetricDataList") or []:
        if item.get("MetricName") == metric and math.isfinite(item.get("Value", math.nan)):
            return item["Value"]
    return None


def summary(job: dict, record: dict, launched: dict) -> dict:
    objective = record["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]
    status = job.get("TrainingJobStatus")
    out = {"TrainingJobName": job["TrainingJobName"], "TrainingJobArn": job["TrainingJobArn"],
           "TuningJobName": record["HyperParameterTuningJobName"],
           "CreationTime": job["CreationTime"], "TrainingJobStatus": status,
           "TunedHyperParameters": launched["TunedHyperParameters"]}
    if launched.get("TrainingJobDefinitionName"):
        out["TrainingJobDefinitionName"] = launched["TrainingJobDefinitionName"]
    for key in ("TrainingStartTime", "TrainingEndTime", "FailureReason"):
        if job.get(key) is not None:
            out[key] = job[key]
    value = objective_value(job, objective["MetricName"])
    if status in RUNNING:
        out["ObjectiveStatus"] = "Pending"
    elif value is not None and status in ("Completed", "Stopped"):
        out["ObjectiveStatus"] = "Succeeded"
        out["FinalHyperParameterTuningJobObjectiveMetric"] = {
            "Type": objective.get("Type") or direction(record),
            "MetricName": objective["MetricName"], "Value": value}
    else:
        out["ObjectiveStatus"] = "Failed"
    return out


def status_counters(jobs: list[dict]) -> dict:
    counters = {"Completed": 0, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0,
                "Stopped": 0}
    for job in jobs:
        status = job["TrainingJobStatus"]
        if status in RUNNING:
            counters["InProgress"] += 1
        elif status == "Failed":
            retryable = (job.get("FailureReason") or "").startswith("InternalServerError")
            counters["RetryableError" if retryable else "NonRetryableError"] += 1
        elif status in counters:
            counters[status] += 1
    return counters


def objective_counters(jobs: list[dict]) -> dict:
    counters = {"Succeeded": 0, "Pending": 0, "Failed": 0}
    for job in jobs:
        counters[job["ObjectiveStatus"]] += 1
    return counters


def best_job(jobs: list[dict], direction: str) -> dict | None:
    scored = [j for j in jobs if j.get("FinalHyperParameterTuningJobObjectiveMetric")]
    if not scored:
        return None
    sign = 1 if direction == "Minimize" else -1
    return min(scored, key=lambda j: (sign * j["FinalHyperParameterTuningJobObjectiveMetric"]["Value"],
                                      j["CreationTime"]))
