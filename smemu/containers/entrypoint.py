"""Dispatch ``train`` / ``serve`` as the built-in images' entrypoint does.

Its first two lines are bare (the real entrypoint is a script that echoes them before the
algorithm's logger, with its ``[date LEVEL tid]`` prefix, starts): ``Docker entrypoint called
with argument(s): train`` and ``Running default environment configuration script``."""

from __future__ import annotations

import logging
import os
import signal
import sys

from smemu import contract
from smemu.containers import logs

log = logging.getLogger("smemu.container")


def main(argv: list[str]) -> int:
    logs.configure(sys.stdout)
    print(f"Docker entrypoint called with argument(s): {' '.join(argv)}", flush=True)
    print("Running default environment configuration script", flush=True)
    command = argv[0] if argv else ""
    if command == contract.TRAIN:
        from smemu.containers.train import train
        # As PID 1 of a container Python would ignore SIGTERM (no default action there), and a
        # `docker stop` would wait its 10 s before SIGKILL; SageMaker's StopTrainingJob sends
        # SIGTERM and expects the algorithm to end.
        signal.signal(signal.SIGTERM, _end_training)
        return train()
    if command == contract.SERVE:
        from smemu.containers.serve import serve
        return serve()
    log.error("Unknown argument %r: the container takes 'train' or 'serve'.", command)
    return 2


def _end_training(signum, _frame) -> None:
    log.info("Received signal %d; stopping training", signum)
    sys.stdout.flush()
    os._exit(128 + signum)
