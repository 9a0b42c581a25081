"""Backends run one training container over a prepared job directory.

The host side (``smemu.emulator.runner``) does everything around the container: it lays out the
job's ``/opt/ml`` tree in ``run.job_dir / contract.JOB_TREE`` (config files, File-mode channel copies, the
directory for Pipe-mode FIFOs), feeds the FIFOs from its own threads, and packs ``model/`` and
``output/data/`` afterwards. A backend only *runs* the container:

* expose ``run.opt_ml`` as the container's ``/opt/ml`` (the process backend points
  ``SMEMU_OPT_ML`` at it; a Docker backend bind-mounts it — FIFOs work through a bind mount);
* run ``python -m smemu.containers <run.command>`` with ``SMEMU_ALGORITHM=<run.algorithm>`` (the
  Docker image's per-algorithm tags set it) and ``run.environment`` (the request's Environment plus
  ``TRAINING_JOB_NAME``/``TRAINING_JOB_ARN``);
* call ``run.on_log_line(line)`` for every line of its stdout and stderr, without the newline;
* stop it when ``run.stop_event`` is set or ``run.max_runtime`` seconds pass: SIGTERM, then SIGKILL
  after ``run.stop_grace`` seconds (``docker stop`` semantics); :meth:`Backend.supervise` does
  this given ``poll``/``terminate``/``kill`` callables;
* return a :class:`RunOutcome`: the exit code and why it was stopped, if it was.

Backends register by name in ``BACKENDS``; ``get_backend("process")`` is the default.
"""

from __future__ import annotations

import abc
import importlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from smemu import contract

STOPPED = "Stopped"
MAX_RUNTIME_EXCEEDED = "MaxRuntimeExceeded"
DEFAULT_STOP_GRACE = 120.0


@dataclass
class ContainerRun:
    job_dir: Path
    algorithm: str
    environment: dict[str, str] = field(default_factory=dict)
    on_log_line: Callable[[str], None] = lambda line: None
    stop_event: threading.Event = field(default_factory=threading.Event)
    max_runtime: float | None = None
    stop_grace: float = DEFAULT_STOP_GRACE
    command: str = contract.TRAIN

    @property
    def opt_ml(self) -> Path:
        """The job's /opt/ml tree on the host."""
        return Path(self.job_dir) / contract.JOB_TREE


@dataclass
class RunOutcome:
    exit_code: int | None           # None when it never started
    stop_reason: str | None = None  # None, STOPPED or MAX_RUNTIME_EXCEEDED
    error: str | None = None        # the backend could not run the container at all

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0 and self.stop_reason is None and self.error is None


class Backend(abc.ABC):
    name = "abstract"

    @abc.abstractmethod
    def run(self, run: ContainerRun) -> RunOutcome:
        """Run the container to its end (or until stopped) and say how it ended."""

    @staticmethod
    def supervise(run: ContainerRun, poll: Callable[[], int | None],
                  terminate: Callable[[], None], kill: Callable[[], None],
                  interval: float = 0.01) -> RunOutcome:
        """Wait for ``poll()`` to return an exit code, stopping on ``run.stop_event`` or when
        ``run.max_runtime`` passes: ``terminate()``, then ``kill()`` after ``run.stop_grace``."""
        deadline = None if run.max_runtime is None else time.monotonic() + run.max_runtime
        reason = None
        while True:
            code = poll()
            if code is not None:
                return RunOutcome(code, reason)
            if reason is None:
                if run.stop_event.is_set():
                    reason = STOPPED
                elif deadline is not None and time.monotonic() >= deadline:
                    reason = MAX_RUNTIME_EXCEEDED
                if reason is not None:
                    terminate()
                    kill_at = time.monotonic() + run.stop_grace
            elif time.monotonic() >= kill_at:
                kill()
                kill_at = float("inf")
            if reason is None:
                run.stop_event.wait(interval)   # wakes at once on a stop
            else:
                time.sleep(interval)


BACKENDS = {
    "process": "smemu.emulator.backends.process:ProcessBackend",
    "docker": "smemu.emulator.backends.docker:DockerBackend",
}


def backend_names() -> list[str]:
    return sorted(BACKENDS)


def get_backend(name: str = "process", **options) -> Backend:
    target = BACKENDS.get(name)
    if target is None:
        raise ValueError(f"Unknown backend {name!r}; smemu has: {', '.join(backend_names())}.")
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)(**options)
