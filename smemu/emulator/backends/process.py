"""The default backend: the container entrypoint as a local subprocess, /opt/ml under the job dir."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import smemu
from smemu import contract
from smemu.emulator import supervision
from smemu.emulator.backends import Backend, ContainerRun, RunOutcome
from smemu.emulator.environment import RULE, allowed, refused_names


class ProcessBackend(Backend):
    """Runs ``python -m smemu.containers <command>`` with ``SMEMU_OPT_ML`` pointing at the job's tree.

    The process gets its own session so a stop signals it and anything it started, and a
    lifeline (:mod:`smemu.emulator.supervision`): it ends when this process does, however this
    process ends."""

    name = "process"

    def __init__(self, python: str | None = None):
        self.python = python or sys.executable

    def environment(self, run: ContainerRun) -> dict[str, str]:
        env = dict(os.environ)
        env.update({k: v for k, v in run.environment.items() if allowed(k)})
        source_root = str(Path(smemu.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        env[contract.ENV_OPT_ML] = str(run.opt_ml)
        env[contract.ENV_ALGORITHM] = run.algorithm
        env.update(supervision.LIFELINE_ENVIRONMENT)
        env[contract.ENV_PARENT_PID] = str(os.getpid())
        return env

    def run(self, run: ContainerRun) -> RunOutcome:
        dropped = refused_names(run.environment)
        if dropped:
            run.on_log_line(f"smemu: not passing Environment {', '.join(dropped)} to the process: "
                            f"{RULE}. Run the job with --backend docker to pass them.")
        try:
            proc = subprocess.Popen(
                [self.python, "-m", "smemu.containers", run.command],
                cwd=str(run.job_dir), env=self.environment(run), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            return RunOutcome(None, error=f"Cannot start {self.python}: {exc.strerror}")
        # proc.stdin is the lifeline: never written, closed only when the container is over
        record = supervision.record_child(proc.pid, what=f"{run.command} container")
        reader = threading.Thread(target=_pump, args=(proc.stdout, run.on_log_line), daemon=True)
        reader.start()

        def signal_group(sig):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass

        outcome = self.supervise(run, proc.poll, lambda: signal_group(signal.SIGTERM),
                                 lambda: signal_group(signal.SIGKILL))
        reader.join(timeout=10)   # a straggler holding stdout must not hang the job
        signal_group(signal.SIGKILL)   # nothing of the container outlives its run
        supervision.forget_child(record)
        proc.stdout.close()
        proc.stdin.close()
        return outcome


def _pump(stream, on_line) -> None:
    for raw in iter(stream.readline, b""):
        on_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
