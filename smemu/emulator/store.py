"""Training job records that outlive the process that ran them.

A jobs root (``$SMEMU_HOME/jobs``, else ``~/.smemu/jobs``; or the ``root`` given) holds one directory
per job name::

    <root>/<name>/job.json      the DescribeTrainingJob response, as JSON (times as epoch seconds)
    <root>/<name>/logs.txt      the container's log lines (stdout and stderr), as they came
    <root>/<name>/opt_ml/...    the job's /opt/ml tree
    <root>/<name>/stop          present once a stop was requested (any process may request it)
    <root>/<name>/runner.pid    the process running the job, while it runs

A job whose runner process died (killed, machine rebooted) would stay InProgress for ever; ``load``
notices the dead runner and records the job as Failed, saying why.

Usage::

    store = JobStore()                     # or JobStore("/some/root")
    store.create(record)                   # JobExists if the name is taken (ResourceInUse)
    store.save(record)                     # atomic replace; readers never see half a file
    store.load(name)                       # JobNotFound if unknown
    store.records()                        # every record, newest CreationTime first
    store.summary(record)                  # a ListTrainingJobs TrainingJobSummary
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from pathlib import Path

from smemu import contract
from smemu.emulator import json_records
from smemu.emulator.api.shared import process_alive
from smemu.emulator.backends import MAX_RUNTIME_EXCEEDED

# SecondaryStatus -> the StatusMessage SageMaker gives it
MESSAGES = {
    "Starting": "Preparing the instances for training",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
    MAX_RUNTIME_EXCEEDED: "Training job runtime exceeded MaxRuntimeInSeconds provided",
}
FINAL = ("Completed", "Failed", "Stopped", MAX_RUNTIME_EXCEEDED)


def transition(record: dict, status: str | None = None, secondary: str | None = None,
               message: str | None = None, now: float | None = None, **fields) -> dict:
    """Change ``record`` as SageMaker does: TrainingJobStatus, SecondaryStatus with its
    SecondaryStatusTransitions entry (the previous one ended, a final one ended at once), the
    given members, LastModifiedTime."""
    now = time.time() if now is None else now
    if status:
        record["TrainingJobStatus"] = status
    if secondary and secondary != record.get("SecondaryStatus"):
        transitions = record.setdefault("SecondaryStatusTransitions", [])
        if transitions:
            transitions[-1].setdefault("EndTime", now)
        entry = {"Status": secondary, "StartTime": now,
                 "StatusMessage": message or MESSAGES.get(secondary, "")}
        if secondary in FINAL:
            entry["EndTime"] = now
        transitions.append(entry)
        record["SecondaryStatus"] = secondary
    record.update(fields)
    record["LastModifiedTime"] = now
    return record


class JobExists(Exception):
    """The training job name is already used (SageMaker's ResourceInUse)."""


class StoreFull(OSError):
    """The jobs root has no room for a new job's record; nothing of the job was left behind."""


class JobNotFound(Exception):
    """No training job has this name (SageMaker's ValidationException 'Could not find ...')."""


def default_root() -> Path:
    home = os.environ.get("SMEMU_HOME")
    base = Path(home) if home else Path.home() / ".smemu"
    return base / "jobs"


class JobStore:
    RECORD = "job.json"
    LOG = "logs.txt"
    STOP = "stop"
    RUNNER = "runner.pid"
    # room set aside when a job is created, given up so that its final record can still be
    # written on a full disk (a record is a few KiB)
    RESERVE = ".reserve"
    RESERVE_BYTES = 64 * 1024

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_root()

    def job_dir(self, name: str) -> Path:
        return self.root / name

    def log_path(self, name: str) -> Path:
        return self.job_dir(name) / self.LOG

    def exists(self, name: str) -> bool:
        return (self.job_dir(name) / self.RECORD).exists()

    def create(self, record: dict) -> Path:
        """Claim ``record['TrainingJobName']`` and save the record; the job directory is returned."""
        name = record["TrainingJobName"]
        self.make_private()
        directory = self.job_dir(name)
        try:
            directory.mkdir(mode=0o700)   # atomic: two creators of one name cannot both win
        except FileExistsError:
            raise JobExists(
                "Training job names must be unique within an AWS account and region, and a "
                f"training job with this name already exists ({record.get('TrainingJobArn', name)})."
            ) from None
        try:
            self._reserve(directory)
            self.save(record)
        except OSError as exc:          # a full disk must not burn the name
            shutil.rmtree(directory, ignore_errors=True)
            raise StoreFull(exc.errno, f"Cannot record training job '{name}' in {directory}: "
                                       f"{exc.strerror or exc}. Free space there or give "
                                       f"another --jobs-root.") from None
        return directory

    def make_private(self) -> None:
        """Create the jobs root readable by this user only (records hold the requests'
        Environment values). An existing directory keeps its mode (``--jobs-root`` may name a
        shared one); each job's directory is private anyway."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _reserve(self, directory: Path) -> None:
        fd = os.open(directory / self.RESERVE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.posix_fallocate(fd, 0, self.RESERVE_BYTES)
        finally:
            os.close(fd)

    def release_reserve(self, name: str) -> bool:
        """Give the job's reserved room back to the disk; whether there was any."""
        try:
            (self.job_dir(name) / self.RESERVE).unlink()
            return True
        except OSError:
            return False

    def save(self, record: dict, final: bool = False) -> None:
        """Replace the record atomically. A ``final`` record that meets a full disk gives up the
        job's reserve and tries once more."""
        path = self.job_dir(record["TrainingJobName"]) / self.RECORD
        try:
            json_records.save(path, record)
        except OSError as exc:
            if not (final and exc.errno == errno.ENOSPC
                    and self.release_reserve(record["TrainingJobName"])):
                raise
            json_records.save(path, record)

    def load(self, name: str) -> dict:
        try:
            record = json_records.load(self.job_dir(name) / self.RECORD)
        except (FileNotFoundError, NotADirectoryError):
            raise JobNotFound(f"Could not find training job '{name}'.") from None
        if record.get("TrainingJobStatus") in ("InProgress", "Stopping"):
            record = self._orphaned(record)
        return record

    # the process running a job ----------------------------------------------------------------
    def claim(self, name: str) -> None:
        """Record that this process runs the job (``release`` when it is over)."""
        (self.job_dir(name) / self.RUNNER).write_text(str(os.getpid()))

    def release(self, name: str) -> None:
        try:
            (self.job_dir(name) / self.RUNNER).unlink()
        except FileNotFoundError:
            pass

    def _orphaned(self, record: dict) -> dict:
        name = record["TrainingJobName"]
        try:
            pid = int((self.job_dir(name) / self.RUNNER).read_text())
        except (OSError, ValueError):
            return record
        if process_alive(pid):
            return record                      # still running (or the pid was reused)
        now = time.time()
        transition(record, "Failed", "Failed", now=now, TrainingEndTime=now, FailureReason=(
            f"InternalServerError: the smemu process that ran this job (pid {pid}) ended before "
            "the job did; run the job again."))
        try:
            self.save(record, final=True)
            self.release(name)
        except OSError:
            pass          # a full disk: the next reader concludes the same
        self.release_reserve(name)
        self.discard_copies(name)
        return record

    def discard_copies(self, name: str) -> None:
        """Drop the job's copies of its input data and of its archives (the user's data and the
        uploaded artifacts stay), as an instance's disk goes after a job — also for a job whose
        runner was killed before it could do so."""
        for path in (contract.Tree(self.job_dir(name) / contract.JOB_TREE).data_dir,
                     self.job_dir(name) / "artifacts"):
            shutil.rmtree(path, ignore_errors=True)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / self.RECORD).is_file())

    def records(self) -> list[dict]:
        """Every job's record, newest first."""
        out = []
        for name in self.names():
            try:
                out.append(self.load(name))
            except (JobNotFound, json.JSONDecodeError):
                continue
        out.sort(key=lambda r: r.get("CreationTime", 0), reverse=True)
        return out

    @staticmethod
    def summary(record: dict) -> dict:
        keys = ("TrainingJobName", "TrainingJobArn", "CreationTime", "TrainingEndTime",
                "LastModifiedTime", "TrainingJobStatus", "SecondaryStatus")
        return {k: record[k] for k in keys if k in record}

    # stop requests, across processes -----------------------------------------------------------
    def request_stop(self, name: str) -> None:
        self.load(name)
        (self.job_dir(name) / self.STOP).touch()

    def stop_requested(self, name: str) -> bool:
        return (self.job_dir(name) / self.STOP).exists()
