"""Work on one batch while the next one is read and checked.

Reading a channel (framing, decoding, checks) holds the interpreter; numpy's products and
element-wise arithmetic on a batch release it. One worker thread taking the arithmetic lets the two
run on two cores at once. At most one batch is in the worker's hands and one in the reader's, so
memory stays at two batches whatever the channel's size; the work runs in submission order, and an
error in it is raised in the caller at the next ``submit`` or at the end of the ``with`` block.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable


class Overlapped:
    """``with Overlapped() as work: for batch in batches: work.submit(fold, batch)``."""

    def __init__(self):
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future | None = None

    def __enter__(self) -> "Overlapped":
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smemu-batch")
        return self

    def submit(self, fn: Callable, *args) -> None:
        """Runs ``fn(*args)`` in the worker once the previous call has ended (its error, if any,
        is raised here)."""
        self.wait()
        self._pending = self._pool.submit(fn, *args)

    def wait(self) -> None:
        """Blocks until the work submitted so far has ended; raises its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:
                self.wait()
            elif self._pending is not None:
                self._pending.cancel()
        finally:
            self._pool.shutdown(wait=True)
