"""A Pipe-mode channel as the container's FIFO carries it, for ``smemu validate``."""

from __future__ import annotations

import bisect
import io
from typing import BinaryIO

from smemu.emulator import staging
from smemu.emulator.fifo_content import open_fed
from smemu.emulator.spec import ChannelSpec

from .report import Problem


class ChannelStream(io.RawIOBase):
    """The bytes a Pipe-mode FIFO carries for one pass over the objects given (in the pass's
    order), each as :func:`smemu.emulator.fifo_content.open_fed` gives it — the bytes
    ``smemu.emulator.pipes.PipeFeeder`` feeds. Remembers where each object starts (byte offset and
    line) to name the object a problem is in."""

    def __init__(self, channel: ChannelSpec, objects: list[staging.StoredObject]):
        self.channel = channel
        self.objects = objects
        self.index = -1
        self.current: BinaryIO | None = None
        self.starts: list[int] = []        # stream offset where each object starts
        self.first_lines: list[int] = []   # stream line number of each object's first line
        self.position = 0
        self.newlines = 0
        self.name = None

    def readable(self) -> bool:
        return True

    def _next(self) -> bool:
        if self.current is not None:
            self.current.close()
            self.current = None
        self.index += 1
        if self.index >= len(self.objects):
            return False
        obj = self.objects[self.index]
        self.starts.append(self.position)
        self.first_lines.append(self.newlines + 1)
        self.current = open_fed(self.channel, obj)
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self.current is None and not self._next():
                return 0
            n = self.current.readinto(buffer)
            if n:
                view = memoryview(buffer)[:n]
                self.newlines += bytes(view).count(b"\n")
                self.position += n
                return n
            self.current.close()
            self.current = None

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None
        super().close()

    def index_of(self, problem: Problem) -> int:
        if problem.offset is not None and self.starts:
            return max(bisect.bisect_right(self.starts, problem.offset) - 1, 0)
        if problem.line is not None and self.first_lines:
            return max(bisect.bisect_right(self.first_lines, problem.line) - 1, 0)
        return max(self.index, 0)

    def object_of(self, problem: Problem) -> str | None:
        if not self.objects:
            return None
        return self.objects[min(self.index_of(problem), len(self.objects) - 1)].uri
