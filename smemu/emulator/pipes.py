"""Pipe mode on the host: one FIFO per channel per pass, fed from the channel's objects.

For each pass the algorithm makes, a :class:`PipeFeeder` creates ``<data_dir>/<channel>_<epoch>``,
waits until a reader opens it, streams the pass's bytes into it (what
:mod:`smemu.emulator.fifo_content` says a pass carries), closes it (the reader sees EOF),
removes it and creates the next epoch's FIFO. A reader that closes early is normal (``EPIPE``): the
feeder moves on to the next epoch. Waiting never blocks a stop: the writer end is opened
non-blocking and polled.
"""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import zlib
from pathlib import Path
from typing import Callable

from smemu import contract
from smemu.emulator import staging
from smemu.emulator.fifo_content import epoch_order, open_fed, verbatim
from smemu.emulator.spec import ChannelSpec

CHUNK = 1 << 20
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)


class PipeFeeder(threading.Thread):
    """Feeds one Pipe-mode channel until ``stop()``; ``error`` holds why it gave up, if it did."""

    def __init__(self, channel: ChannelSpec, objects: list[staging.StoredObject], data_dir: Path,
                 on_error: Callable[[str], None] | None = None):
        super().__init__(name=f"pipe-{channel.name}", daemon=True)
        self.channel = channel
        self.objects = list(objects)
        self.data_dir = Path(data_dir)
        self.on_error = on_error
        self.error: str | None = None
        self.epochs_started = 0
        self.bytes_fed = 0
        self.current: staging.StoredObject | None = None   # the object being streamed
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def fifo_path(self, epoch: int) -> Path:
        return self.data_dir / contract.fifo_name(self.channel.name, epoch)

    def run(self) -> None:
        epoch = 0
        while not self._stop_event.is_set():
            path = self.fifo_path(epoch)
            if path.exists() or path.is_symlink():
                path.unlink()
            os.mkfifo(path, 0o600)
            try:
                fd = self._wait_for_reader(path)
                if fd is None:
                    return
                self.epochs_started += 1
                try:
                    self._feed(fd, epoch)
                except BrokenPipeError:
                    pass                       # the reader stopped early: fine
                except (staging.StagingError, OSError, EOFError, ValueError, zlib.error) as exc:
                    why = (str(exc) if self.current is None
                           or isinstance(exc, staging.StagingError) else staging.stream_failure(
                               self.current.uri, self.channel.compression, exc))
                    self._fail(f"Pipe mode could not stream channel '{self.channel.name}' "
                               f"(epoch {epoch}): {why}")
                    return
                finally:
                    os.close(fd)
            finally:
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
            epoch += 1

    def _fail(self, message: str) -> None:
        self.error = message
        if self.on_error:
            self.on_error(message)

    def _wait_for_reader(self, path: Path) -> int | None:
        delay = 0.0005
        while not self._stop_event.is_set():
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:     # ENXIO: no reader yet
                    raise
                self._stop_event.wait(delay)
                delay = min(delay * 2, 0.02)
                continue
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
            try:
                fcntl.fcntl(fd, F_SETPIPE_SZ, CHUNK)
            except OSError:
                pass                              # a smaller pipe only costs some speed
            return fd
        return None

    def _ordered(self, epoch: int) -> list[staging.StoredObject]:
        return epoch_order(self.objects, self.channel.shuffle_seed, epoch)

    def _feed(self, fd: int, epoch: int) -> None:
        for obj in self._ordered(epoch):
            if self._stop_event.is_set():
                return
            self.current = obj
            with open_fed(self.channel, obj) as src:
                if verbatim(self.channel) and _has_fileno(src):
                    self._sendfile(fd, src.fileno())
                else:
                    self._copy(fd, src)

    def _sendfile(self, fd: int, src_fd: int) -> None:
        offset = 0
        while not self._stop_event.is_set():
            sent = os.sendfile(fd, src_fd, offset, CHUNK)
            if sent == 0:
                return
            offset += sent
            self.bytes_fed += sent

    def _copy(self, fd: int, src) -> None:
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        while not self._stop_event.is_set():
            n = src.readinto(buffer)
            if not n:
                return
            _write_all(fd, view[:n])
            self.bytes_fed += n



def _has_fileno(stream) -> bool:
    try:
        stream.fileno()
        return True
    except (AttributeError, OSError, ValueError):
        return False


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        n = os.write(fd, view)
        view = view[n:]
