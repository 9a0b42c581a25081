"""Running a training job end to end, as SageMaker runs one, and recording it as it goes.

Usage::

    from smemu.emulator.runner import start_job, run_job
    spec = TrainingJobSpec.from_request(request)
    handle = start_job(spec)                  # JobExists if the name is taken; returns at once
    handle.stop()                             # StopTrainingJob: SIGTERM, SIGKILL after the grace
    record = handle.wait()                    # the final DescribeTrainingJob record
    record = run_job(spec, on_log=print)      # the same, synchronously (the CLI)

Any process can stop a job by name with ``JobStore().request_stop(name)``.

The flow and ``SecondaryStatus`` transitions: Starting -> Downloading (File-mode channels copied
into the job's ``opt_ml/input/data/<channel>/``; every channel listed) -> Training (Pipe-mode FIFOs
fed; the backend runs the container; its log lines go to ``logs.txt``, to ``on_log`` and to the
metric collector) -> Uploading (``model.tar.gz`` and ``output.tar.gz`` to
``<S3OutputPath>/<job>/output/``, also after a failure or a stop, as SageMaker does) -> Completed,
Failed (``FailureReason`` = the first 1024 characters of ``/opt/ml/output/failure``, else
``AlgorithmError: , exit code: N``) or Stopped (``SecondaryStatus`` Stopped, or
MaxRuntimeExceeded when ``StoppingCondition.MaxRuntimeInSeconds`` ran out).
"""

from __future__ import annotations

import errno
import os
import threading
import time
import traceback
from typing import Callable

from smemu import contract
from smemu.emulator import api_model, layout, packaging, sharding, staging
from smemu.emulator.api.shared import account_of, arn
from smemu.emulator.backends import (DEFAULT_STOP_GRACE, MAX_RUNTIME_EXCEEDED, Backend,
                                     ContainerRun, RunOutcome, get_backend)
from smemu.emulator.metrics import MetricCollector, builtin_definitions
from smemu.emulator.pipes import PipeFeeder
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import MESSAGES, JobStore, transition

FAILURE_LIMIT = 1024
FINAL_STATUSES = ("Completed", "Failed", "Stopped")
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def job_arn(spec: TrainingJobSpec) -> str:
    return arn("training-job", spec.name, account_of(spec.request.get("RoleArn")))


def new_record(spec: TrainingJobSpec, now: float | None = None) -> dict:
    """The DescribeTrainingJob record of a job just created."""
    now = time.time() if now is None else now
    record = {k: v for k, v in spec.request.items() if k in api_model.describe_training_job_members()}
    record["TrainingJobArn"] = job_arn(spec)
    alg = dict(record.get("AlgorithmSpecification") or {})
    user = alg.get("MetricDefinitions") or []
    user_names = {d["Name"] for d in user}
    alg["MetricDefinitions"] = [d for d in builtin_definitions(spec.algorithm)
                                if d["Name"] not in user_names] + list(user)
    alg.setdefault("EnableSageMakerMetricsTimeSeries", False)   # as real records carry it
    record["AlgorithmSpecification"] = alg
    record["InputDataConfig"] = [
        {"CompressionType": "None", "RecordWrapperType": "None", **channel}
        for channel in record.get("InputDataConfig") or []]
    record["StoppingCondition"] = dict(record.get("StoppingCondition") or {})
    record["StoppingCondition"].setdefault("MaxRuntimeInSeconds", spec.max_runtime)
    record.setdefault("HyperParameters", {})
    for flag in ("EnableNetworkIsolation", "EnableInterContainerTrafficEncryption",
                 "EnableManagedSpotTraining"):
        record.setdefault(flag, False)
    record.update({
        "TrainingJobStatus": "InProgress",
        "SecondaryStatus": "Starting",
        "CreationTime": now,
        "LastModifiedTime": now,
        "SecondaryStatusTransitions": [
            {"Status": "Starting", "StartTime": now, "StatusMessage": MESSAGES["Starting"]}],
    })
    return record


# CloudWatch Logs, as SageMaker ships a container's output there, shows control characters in
# syslog's octal escape: xgboost's "[0]<TAB>train-rmse:..." reads "[0]#011train-rmse:...", which
# is what the service's XGBoost MetricDefinitions match
CLOUDWATCH_ESCAPES = {c: f"#{c:03o}" for c in (*range(32), 127)}


class JobHandle:
    """A job running in a background thread of this process."""

    def __init__(self, name: str, store: JobStore, job: "_JobRun"):
        self.name = name
        self.store = store
        self._job = job

    @property
    def done(self) -> bool:
        return self._job.finished.is_set()

    def wait(self, timeout: float | None = None) -> dict | None:
        """The final record, or None if the job is still running after ``timeout`` seconds.

        Waits on the job's ``finished`` event, not ``Thread.join``: a Ctrl-C that interrupts
        ``join`` can leave CPython 3.11 believing the thread has ended (its tstate lock is
        released by the interrupted join), and the job would then be abandoned mid-run."""
        if not self._job.finished.wait(timeout):
            return None
        return self.store.load(self.name)

    def stop(self) -> None:
        """StopTrainingJob: the container gets SIGTERM, then SIGKILL after the grace period."""
        self._job.request_stop()

    def describe(self) -> dict:
        return self.store.load(self.name)


def start_job(spec: TrainingJobSpec, *, store: JobStore | None = None,
              backend: Backend | str | None = None,
              on_log: Callable[[str], None] | None = None,
              on_status: Callable[[dict], None] | None = None,
              progress: Callable[[int, str], object] | None = None,
              stop_grace: float = DEFAULT_STOP_GRACE,
              storages: staging.Storages | None = None,
              record_fields: dict | None = None) -> JobHandle:
    """Create the job's record (``JobExists`` if the name is taken) and run it in a thread.

    ``on_log(line)`` gets each container log line; ``on_status(record)`` each status change;
    ``progress(total_bytes, label)`` may return a ``smemu.progress.Progress`` for File-mode copies;
    ``storages`` is where its data may come from and go to (default: anywhere);
    ``record_fields`` are DescribeTrainingJob members the request cannot carry (``TuningJobArn``)."""
    store = store or JobStore()
    if backend is None or isinstance(backend, str):
        backend = get_backend(backend or "process")
    record = new_record(spec)
    record.update(record_fields or {})
    store.create(record)
    if on_status:
        on_status(dict(record))
    job = _JobRun(spec, store, backend, record, on_log, on_status, progress, stop_grace, storages)
    job.thread.start()
    return JobHandle(spec.name, store, job)


def run_job(spec: TrainingJobSpec, **options) -> dict:
    """Run a job to its end in this thread's time; returns the final record. Ctrl-C stops it."""
    handle = start_job(spec, **options)
    try:
        while not handle.done:
            handle.wait(0.2)
    except KeyboardInterrupt:
        handle.stop()
        handle.wait()
    return handle.describe()


class _JobRun:
    """One job's life; every record change goes through ``_set`` under a lock."""

    def __init__(self, spec, store, backend, record, on_log, on_status, progress, stop_grace,
                 storages=None):
        self.spec = spec
        self.storages = storages
        self.store = store
        self.backend = backend
        self.record = record
        self.on_log = on_log
        self.on_status = on_status
        self.progress = progress
        self.stop_grace = stop_grace
        self.lock = threading.Lock()
        self.log_lock = threading.Lock()
        self.kill_container = threading.Event()    # what the backend watches
        self.user_stop = threading.Event()
        self.feed_error: str | None = None
        self.disk_error: str | None = None         # the job's disk filled up
        self.finished = threading.Event()
        self.concluded = False                     # the outcome is decided; a stop is too late
        self.job_dir = store.job_dir(spec.name)
        self.opt_ml = self.job_dir / contract.JOB_TREE
        self.metrics = MetricCollector(record["AlgorithmSpecification"]["MetricDefinitions"])
        self.thread = threading.Thread(target=self._main, name=f"job-{spec.name}", daemon=True)

    # record changes ----------------------------------------------------------------------------
    def _set(self, status: str | None = None, secondary: str | None = None,
             message: str | None = None, **fields) -> None:
        with self.lock:
            if self.record["TrainingJobStatus"] in FINAL_STATUSES:
                return                    # a final status is final: nothing moves it
            record = transition(self.record, status, secondary, message, **fields)
            try:
                self.store.save(record, final=record["TrainingJobStatus"] in FINAL_STATUSES)
            except OSError as exc:
                self._disk_failed(exc)
            snapshot = dict(record)
        if self.on_status and (status or secondary):
            self.on_status(snapshot)

    def request_stop(self) -> None:
        with self.lock:
            # once the container's outcome is decided (or the job is over) a stop changes nothing
            if self.concluded or self.user_stop.is_set():
                return
            self.user_stop.set()
        self.kill_container.set()
        self._set(status="Stopping", secondary="Stopping")

    def _watch_stop_file(self) -> None:
        while not self.finished.wait(0.2):
            if self.store.stop_requested(self.spec.name):
                self.request_stop()
                return

    # the job -----------------------------------------------------------------------------------
    def _main(self) -> None:
        watcher = threading.Thread(target=self._watch_stop_file, daemon=True)
        watcher.start()
        self.log_file = None
        try:
            self.log_file = open(self.store.log_path(self.spec.name), "a", encoding="utf-8",
                                 buffering=1)
            self.store.claim(self.spec.name)
            self._run()
        except Exception as exc:   # a full disk, or a bug in smemu: never leave the job InProgress
            if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
                self._disk_failed(exc)
            else:
                self._write_log(traceback.format_exc())
            self._finish("Failed", "Failed", FailureReason=self.disk_error or
                         f"InternalServerError: smemu failed to run the job: {exc!r}")
        finally:
            self.store.release(self.spec.name)
            self.store.release_reserve(self.spec.name)
            self.finished.set()
            if self.log_file is not None:
                try:
                    self.log_file.close()
                except OSError:
                    pass

    def _log_line(self, line: str) -> None:
        line = line.translate(CLOUDWATCH_ESCAPES)
        with self.log_lock:       # the backend's reader and the pipe feeders both log
            self._write_log(line + "\n")
            self.metrics.feed(line)
            if self.on_log:
                self.on_log(line)

    def _write_log(self, text: str) -> None:
        """Append to logs.txt; a full disk fails the job, and the container's output is still
        read (a reader that stopped would leave the container blocked writing its stdout)."""
        if self.log_file is None:
            return
        try:
            self.log_file.write(text)
        except OSError as exc:
            self.log_file = None
            self._disk_failed(exc)

    def _disk_failed(self, exc: OSError) -> None:
        """The job cannot write what it must: it ends Failed, saying which path and why."""
        if self.disk_error is None:
            where = f" writing {exc.filename}" if exc.filename else f" under {self.job_dir}"
            self.disk_error = _clip(
                f"ClientError: {errno.errorcode.get(exc.errno, 'OSError')}: "
                f"{exc.strerror or exc}{where}. Free space there (or give another --jobs-root) "
                f"and run the job again.")
        self.kill_container.set()

    def _run(self) -> None:
        spec = self.spec
        layout.prepare(self.opt_ml, spec, self.record["TrainingJobArn"])
        start = time.time()
        self._set(secondary="Downloading", TrainingStartTime=start)
        try:
            objects = self._stage()
        except staging.StagingError as exc:
            self._finish("Failed", "Failed", FailureReason=_clip(f"ClientError: {exc}"))
            return
        if self.user_stop.is_set():
            self._finish("Stopped", "Stopped", upload=True)
            return
        self._set(secondary="Training")
        outcome = self._train(objects, start)
        self._conclude(outcome)

    def _stage(self) -> dict[str, list[staging.StoredObject]]:
        objects = {}
        for channel in self.spec.channels:
            objects[channel.name] = staging.list_channel(channel.uri, channel.data_type,
                                                         self.storages, channel.attribute_names)
            if self.spec.instance_count > 1:   # only algo-1 runs: it reads its share
                plan = sharding.assign(objects[channel.name], channel.distribution,
                                       self.spec.instance_count)
                for line in sharding.plan_lines(channel.name, channel.distribution, plan):
                    self._log_line(line)
                objects[channel.name] = plan[contract.FIRST_HOST]
        for channel in self.spec.channels:
            if channel.is_pipe:
                continue
            items = objects[channel.name]
            total = sum(o.size or 0 for o in items)
            bar = self.progress(total, f"Downloading {channel.name}") if self.progress else None
            target = layout.channel_dir(self.opt_ml, channel.name)
            for obj in items:
                if self.user_stop.is_set():
                    break
                written = staging.copy_object(obj, target / obj.relative)
                if bar is not None:
                    bar.update(written)
            if bar is not None:
                bar.close()
        return objects

    def _train(self, objects, start: float) -> RunOutcome:
        feeders = []
        data_dir = contract.Tree(self.opt_ml).data_dir
        for channel in self.spec.channels:
            if channel.is_pipe:
                feeder = PipeFeeder(channel, objects[channel.name], data_dir, self._feed_failed)
                feeder.start()
                feeders.append(feeder)
        environment = dict(self.spec.environment)
        environment.update(TRAINING_JOB_NAME=self.spec.name,
                           TRAINING_JOB_ARN=self.record["TrainingJobArn"])
        remaining = self.spec.max_runtime - (time.time() - start)
        try:
            if remaining <= 0:
                return RunOutcome(None, MAX_RUNTIME_EXCEEDED)
            return self.backend.run(ContainerRun(
                job_dir=self.job_dir, algorithm=self.spec.algorithm, environment=environment,
                on_log_line=self._log_line, stop_event=self.kill_container,
                max_runtime=remaining, stop_grace=self.stop_grace))
        finally:
            for feeder in feeders:
                feeder.stop()
            for feeder in feeders:
                feeder.join(timeout=5)

    def _feed_failed(self, message: str) -> None:
        self.feed_error = message
        self._log_line(message)
        self.kill_container.set()

    def _conclude(self, outcome: RunOutcome) -> None:
        with self.lock:
            self.concluded = True
        if self.disk_error is None and outcome.exit_code not in (0, None) \
                and outcome.stop_reason is None and self._disk_is_full():
            self.disk_error = _clip(
                f"ClientError: ENOSPC: No space left on device under {self.job_dir}. Free space "
                f"there (or give another --jobs-root) and run the job again.")
        if self.disk_error:
            self._finish("Failed", "Failed", upload=True, FailureReason=self.disk_error)
        elif outcome.error:
            self._finish("Failed", "Failed", upload=False,
                         FailureReason=_clip(f"InternalServerError: {outcome.error}"))
        elif self.feed_error:
            self._finish("Failed", "Failed", upload=True,
                         FailureReason=_clip(f"ClientError: {self.feed_error}"))
        elif outcome.stop_reason == MAX_RUNTIME_EXCEEDED:
            self._finish("Stopped", MAX_RUNTIME_EXCEEDED, upload=True)
        elif outcome.stop_reason is not None or self.user_stop.is_set():
            self._finish("Stopped", "Stopped", upload=True)
        elif outcome.exit_code == 0:
            self._finish("Completed", "Completed", upload=True)
        else:
            self._finish("Failed", "Failed", upload=True,
                         FailureReason=self._failure_reason(outcome.exit_code))

    def _disk_is_full(self) -> bool:
        try:
            stats = os.statvfs(self.job_dir)
        except OSError:
            return False
        return stats.f_bavail * stats.f_frsize < 4096 or (stats.f_files and not stats.f_favail)

    def _failure_reason(self, exit_code: int | None) -> str:
        path = contract.Tree(self.opt_ml).failure_file
        try:
            text = path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            text = ""
        return _clip(text or f"AlgorithmError: , exit code: {exit_code}")

    def _finish(self, status: str, secondary: str, upload: bool = False, **fields) -> None:
        with self.lock:
            self.concluded = True
        if upload:
            self._set(secondary="Uploading")
            try:
                uris = packaging.upload_outputs(self.opt_ml, self.job_dir / "artifacts",
                                                self.spec.output_path, self.spec.name,
                                                self.storages)
                fields["ModelArtifacts"] = {"S3ModelArtifacts": uris["model"]}
            except (staging.StagingError, OSError) as exc:
                status, secondary = "Failed", "Failed"
                fields.setdefault("FailureReason", _clip(
                    f"ClientError: Could not upload the job's artifacts: {exc}"))
        self._discard_copies()
        end = time.time()
        started = self.record.get("TrainingStartTime", end)
        seconds = max(int(round(end - started)), 1 if "TrainingStartTime" in self.record else 0)
        self._set(status=status, secondary=secondary, TrainingEndTime=end,
                  TrainingTimeInSeconds=seconds, BillableTimeInSeconds=seconds,
                  FinalMetricDataList=self.metrics.final(), **fields)


    def _discard_copies(self) -> None:
        self.store.discard_copies(self.spec.name)


def _clip(text: str) -> str:
    return text[:FAILURE_LIMIT]
