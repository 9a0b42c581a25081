"""A container ends when whoever started it is gone.

The host side gives the container a *lifeline*: its standard input is a pipe whose only writer is
the host process (for Docker, the attached stdin of a container created with ``StdinOnce``, which
the engine closes when the host's connection goes). The host never writes to it; when the host
process ends — however it ends, ``kill -9`` included — the kernel closes the writer and a thread
here reads EOF and ends the container and everything in its process group at once. That also
frees a container blocked in ``open()`` of a Pipe-mode FIFO no feeder will ever open again.

On Linux the process backend also names its pid (``SMEMU_PARENT_PID``): the container asks the
kernel for SIGKILL when that parent goes (``PR_SET_PDEATHSIG``), and ends at once if the parent is
already gone by the time it asks.

``SMEMU_LIFELINE=stdin`` turns the stdin watch on; without it (a container run by hand with
``docker run``) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading

from smemu import contract

PR_SET_PDEATHSIG = 1
GONE_EXIT_CODE = 128 + signal.SIGKILL
MESSAGE = "smemu: the host process that started this container is gone; ending the container."


def hold(environ=os.environ) -> None:
    """Call first thing in the entrypoint, before anything slow."""
    parent = environ.get(contract.ENV_PARENT_PID, "")
    if parent.isdigit() and sys.platform.startswith("linux"):
        _die_with_parent()
        if os.getppid() != int(parent):     # it died before the kernel was told
            end()
    if environ.get(contract.ENV_LIFELINE) == "stdin":
        threading.Thread(target=_watch_stdin, name="smemu-lifeline", daemon=True).start()


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass                                  # the stdin lifeline still holds


def _watch_stdin() -> None:
    try:
        while os.read(0, 4096):
            pass                              # the host never writes; nothing to do if it does
    except OSError:
        pass
    end()


def end() -> None:
    """End this container now: its process group when it leads one, else this process."""
    try:
        os.write(2, (MESSAGE + "\n").encode())
    except OSError:
        pass
    if os.getpgrp() == os.getpid():
        try:
            os.killpg(os.getpid(), signal.SIGKILL)
        except OSError:
            pass
    os._exit(GONE_EXIT_CODE)
