"""Running a hyperparameter tuning job: its strategy proposes hyperparameters, training jobs run
through the same runner as any other (process or Docker backend), at most
``MaxParallelTrainingJobs`` at a time, and the strategy learns each job's final objective (read
from the job's ``FinalMetricDataList``).

Usage::

    plan = request.plan(body, base_dir)          # SpecError lists every problem
    tuning = start_tuning(plan, store=JobStore(), backend="process", on_job_end=print)
    tuning.stop()                                # StopHyperParameterTuningJob
    tuning.wait()                                # the final DescribeHyperParameterTuningJob answer

Training jobs are named ``<tuning job>-NNN-<8 hex digits>`` as SageMaker names them (NNN counts
from 001; the hash is of the tuning job's name, the number and the hyperparameters), carry
``TuningJobArn`` and the tuning job's Tags, and are ordinary training jobs in ListTrainingJobs.
Status: InProgress until every job has ended, then Completed (Failed if no training job produced
the objective); StopHyperParameterTuningJob makes it Stopping, stops its running training jobs,
and Stopped once they have ended.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from typing import Callable

from smemu.emulator.api.shared import account_of, arn
from smemu.emulator.metrics import builtin_definitions
from smemu.emulator.runner import start_job
from smemu.emulator.spec import SpecError, TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.emulator.tuning.request import Plan
from smemu.emulator.tuning.stopping import MedianRule, SuccessiveHalving
from smemu.emulator.tuning.store import (TuningStore, TuningJobNotFound, objective_value)
from smemu.emulator.tuning.strategies import make_strategy

FINAL = ("Completed", "Failed", "Stopped")


def tuning_arn(plan: Plan) -> str:
    return arn("hyper-parameter-tuning-job", plan.name, account_of(plan.definition.get("RoleArn")))


def training_job_name(tuning: str, number: int, tuned: dict) -> str:
    digest = hashlib.sha256(f"{tuning}/{number}/{sorted(tuned.items())}".encode()).hexdigest()
    return f"{tuning}-{number:03d}-{digest[:8]}"


class _Launched:
    """One training job of the tuning job, while it runs."""

    def __init__(self, name: str, proposal: dict):
        self.name = name
        self.proposal = proposal
        self.values: list[float] = []        # intermediate objective values, one per epoch
        self.handle = None
        self.stopped_early = False


class TuningRun:
    def __init__(self, plan: Plan, store: JobStore, backend, base_dir=None,
                 on_job_end: Callable[[dict], None] | None = None,
                 on_log: Callable[[str, str], None] | None = None,
                 on_launch: Callable[[dict, str], None] | None = None):
        self.plan = plan
        self.on_launch = on_launch
        self.store = store
        self.tunings = TuningStore(store)
        self.backend = backend
        self.base_dir = base_dir
        self.on_job_end = on_job_end
        self.on_log = on_log
        self.arn = tuning_arn(plan)
        self.user_stop = threading.Event()
        self.finished = threading.Event()
        self.changed = threading.Condition()
        self.running: dict[str, _Launched] = {}
        history = []
        for parent in plan.parents:
            history += self.tunings.history(parent["HyperParameterTuningJobName"])
        self.strategy = make_strategy(plan.strategy, plan.ranges, plan.direction, plan.max_jobs,
                                      plan.seed, history)
        self.stopping = None
        if plan.strategy == "Hyperband":
            self.stopping = SuccessiveHalving(plan.direction, plan.min_resource, plan.max_resource)
        elif plan.early_stopping == "Auto":
            self.stopping = MedianRule(plan.direction)
        self.objective_regex = self._objective_regex()
        now = time.time()
        request = plan.request
        self.record = {k: request[k] for k in (
            "HyperParameterTuningJobName", "HyperParameterTuningJobConfig", "TrainingJobDefinition",
            "WarmStartConfig") if k in request}
        self.record.update(HyperParameterTuningJobArn=self.arn,
                           HyperParameterTuningJobStatus="InProgress", CreationTime=now,
                           LastModifiedTime=now, _pid=os.getpid(), _direction=plan.direction,
                           _training_jobs=[],
                           _parents=[p["HyperParameterTuningJobName"] for p in plan.parents])
        self.record["HyperParameterTuningJobConfig"].setdefault("Strategy", plan.strategy)
        objective = self.record["HyperParameterTuningJobConfig"].setdefault(
            "HyperParameterTuningJobObjective", {"MetricName": plan.objective})
        objective.setdefault("Type", plan.direction)
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._main, name=f"tuning-{plan.name}", daemon=True)

    def _objective_regex(self):
        definitions = builtin_definitions(self.plan.algorithm)
        definitions += (self.plan.definition["AlgorithmSpecification"].get("MetricDefinitions") or [])
        for d in reversed(definitions):        # a user's definition overrides the built-in one
            if d["Name"] == self.plan.objective:
                return re.compile(d["Regex"])
        return None

    # the record ---------------------------------------------------------------------------------
    def _save(self, **fields) -> None:
        with self.lock:
            self.record.update(fields)
            self.record["LastModifiedTime"] = time.time()
            self.tunings.save(self.record)

    def describe(self) -> dict:
        return self.tunings.describe(self.plan.name)

    def stop(self) -> None:
        if self.finished.is_set() or self.user_stop.is_set():
            return
        self.user_stop.set()
        self._save(HyperParameterTuningJobStatus="Stopping")
        with self.changed:
            running = list(self.running.values())
            self.changed.notify_all()
        for job in running:
            if job.handle is not None:
                job.handle.stop()

    def wait(self, timeout: float | None = None) -> dict | None:
        if not self.finished.wait(timeout):
            return None
        return self.describe()

    # the loop -----------------------------------------------------------------------------------
    def _watch_stop_file(self) -> None:
        while not self.finished.wait(0.5):
            if self.tunings.stop_requested(self.plan.name):
                self.stop()
                return

    def _main(self) -> None:
        threading.Thread(target=self._watch_stop_file, daemon=True).start()
        try:
            self._run()
        except Exception as exc:    # a bug in smemu: never leave the tuning job InProgress
            for job in list(self.running.values()):
                if job.handle is not None:
                    job.handle.stop()
            self._save(HyperParameterTuningJobStatus="Failed", HyperParameterTuningEndTime=time.time(),
                       FailureReason=f"InternalServerError: smemu failed to run the tuning job: {exc!r}")
        finally:
            self.finished.set()

    def _run(self) -> None:
        plan = self.plan
        launched = 0
        while True:
            with self.changed:
                while (len(self.running) >= plan.max_parallel and not self.user_stop.is_set()):
                    self.changed.wait(1.0)
                if self.user_stop.is_set() or launched >= plan.max_jobs or self._target_reached():
                    break
            proposal = self.strategy.propose()
            if proposal is None:
                break
            launched += 1
            self._launch(launched, proposal)
        with self.changed:
            while self.running:
                self.changed.wait(1.0)
        self._conclude()

    def _target_reached(self) -> bool:
        if self.plan.target is None:
            return False
        best = self.tunings.describe(self.plan.name).get("BestTrainingJob")
        if not best:
            return False
        value = best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        return value <= self.plan.target if self.plan.direction == "Minimize" else value >= self.plan.target

    def _launch(self, number: int, proposal: dict) -> None:
        name = training_job_name(self.plan.name, number, proposal)
        job = _Launched(name, proposal)
        entry = {"TrainingJobName": name, "TunedHyperParameters": dict(proposal)}
        if self.plan.definition.get("DefinitionName"):
            entry["TrainingJobDefinitionName"] = self.plan.definition["DefinitionName"]
        request = self.plan.training_request(name, proposal)
        spec = TrainingJobSpec.from_request(request, self.base_dir)
        with self.changed:
            self.running[name] = job
        with self.lock:
            self.record["_training_jobs"].append(entry)
        try:
            job.handle = start_job(
                spec, store=self.store, backend=self.backend,
                on_log=lambda line, job=job: self._log(job, line),
                on_status=lambda record, job=job: self._status(job, record),
                record_fields={"TuningJobArn": self.arn})
        except Exception:
            with self.changed:
                self.running.pop(name, None)
                self.changed.notify_all()
            raise
        if self.on_launch:
            self.on_launch(request, job.handle.describe()["TrainingJobArn"])
        self._save()

    def _log(self, job: _Launched, line: str) -> None:
        if self.on_log:
            self.on_log(job.name, line)
        if self.objective_regex is None:
            return
        match = self.objective_regex.search(line)
        if not match:
            return
        try:
            job.values.append(float(match.group(1) if self.objective_regex.groups else match.group(0)))
        except ValueError:
            return
        if self.stopping is not None and not job.stopped_early and self.stopping.should_stop(job.values):
            job.stopped_early = True
            if job.handle is not None:
                job.handle.stop()

    def _status(self, job: _Launched, record: dict) -> None:
        if record.get("TrainingJobStatus") not in FINAL:
            return
        value = objective_value(record, self.plan.objective)
        if record["TrainingJobStatus"] == "Failed":
            value = None
        self.strategy.observe(job.proposal, value)
        if self.stopping is not None:
            self.stopping.finished(job.values, record["TrainingJobStatus"] == "Completed")
        if self.on_job_end:
            self.on_job_end({"TrainingJobName": job.name, "TrainingJobStatus": record["TrainingJobStatus"],
                             "TunedHyperParameters": job.proposal, "ObjectiveValue": value,
                             "StoppedEarly": job.stopped_early,
                             "FailureReason": record.get("FailureReason")})
        with self.changed:
            self.running.pop(job.name, None)
            self.changed.notify_all()

    def _conclude(self) -> None:
        answer = self.tunings.describe(self.plan.name)
        now = time.time()
        if self.user_stop.is_set():
            self._save(HyperParameterTuningJobStatus="Stopped", HyperParameterTuningEndTime=now)
        elif answer["ObjectiveStatusCounters"]["Succeeded"] == 0:
            jobs = self.tunings.training_jobs(self.record)
            first = next((j.get("FailureReason") for j in jobs if j.get("FailureReason")), None)
            reason = "No training job reported the objective metric " + self.plan.objective
            self._save(HyperParameterTuningJobStatus="Failed", HyperParameterTuningEndTime=now,
                       FailureReason=(reason + (f"; the first failure: {first}" if first else ".") )[:1024])
        else:
            self._save(HyperParameterTuningJobStatus="Completed", HyperParameterTuningEndTime=now)


def start_tuning(plan: Plan, *, store: JobStore | None = None, backend="process", base_dir=None,
                 on_job_end=None, on_log=None, on_launch=None) -> TuningRun:
    """Create the tuning job's record (``TuningJobExists`` if the name is taken) and run it in a
    thread. ``on_job_end(event)`` hears of each training job's end, ``on_log(job, line)`` gets
    their log lines, ``on_launch(request, arn)`` each CreateTrainingJob request it runs."""
    store = store or JobStore()
    run = TuningRun(plan, store, backend, base_dir, on_job_end, on_log, on_launch)
    run.tunings.create(run.record)
    run.thread.start()
    return run


__all__ = ["start_tuning", "TuningRun", "training_job_name", "TuningJobNotFound", "SpecError"]
