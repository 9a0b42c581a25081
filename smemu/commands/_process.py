"""How an smemu command process meets the world ending around it.

* ``SIGTERM`` and ``SIGHUP`` are taken as Ctrl-C is (``KeyboardInterrupt``), so ``kill`` or a
  closed terminal stops the jobs the command runs the way Ctrl-C does instead of killing the
  command half way through a shutdown.
* stdout and stderr never raise: once a write fails because the reader is gone (``smemu server |
  tee log`` after Ctrl-C, which kills ``tee`` too, or a closed terminal), that stream goes quiet
  for the rest of the run, and the shutdown that follows still runs to its end.
"""

from __future__ import annotations

import errno
import os
import signal
import sys

QUIET_ERRNOS = (errno.EPIPE, errno.EIO, errno.ECONNRESET)


class QuietWhenGone:
    """A text stream that turns into /dev/null once its reader is gone."""

    def __init__(self, stream):
        self._stream = stream
        self._gone = False

    @property
    def gone(self) -> bool:
        return self._gone

    def _quiet(self) -> None:
        self._gone = True
        try:        # the descriptor too, so Python's own flush at exit finds nothing to write
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def write(self, text: str) -> int:
        if self._gone:
            return len(text)
        try:
            return self._stream.write(text)
        except OSError as exc:
            if exc.errno not in QUIET_ERRNOS:
                raise
            self._quiet()
            return len(text)

    def flush(self) -> None:
        if self._gone:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            if exc.errno not in QUIET_ERRNOS:
                raise
            self._quiet()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def guard_streams() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, QuietWhenGone):
            setattr(sys, name, QuietWhenGone(stream))


def interrupt_on_termination() -> None:
    """SIGTERM and SIGHUP raise KeyboardInterrupt in the main thread, as SIGINT does."""
    def interrupt(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            signal.signal(sig, interrupt)
        except (ValueError, OSError):   # not the main thread, or no such signal here
            pass
