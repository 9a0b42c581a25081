"""What the data-file subcommands (inspect, convert) share: running with one-line errors, and
reading a file with a progress bar."""

from __future__ import annotations

import contextlib
import os
import sys

from smemu.formats.errors import FormatError
from smemu.progress import Progress


def fail(message: str) -> int:
    print(f"smemu: error: {message}", file=sys.stderr)
    return 1


def guarded(func):
    """Runs a subcommand, turning bad input into one line on stderr and exit status 1."""

    def run(args):
        try:
            return func(args)
        except FormatError as e:
            return fail(str(e))
        except (OSError, ValueError) as e:
            return fail(f"{e.filename + ': ' if getattr(e, 'filename', None) else ''}"
                        f"{getattr(e, 'strerror', None) or e}")
    return run


@contextlib.contextmanager
def reading(path, kind, label, batch_size=10000, label_size=1, progress=None):
    """Yields an iterator of batches from ``path``, drawing a progress bar on big files."""
    from smemu.formats import files

    size = os.path.getsize(path)
    bar = Progress(size, label, enabled=progress) if progress is not None \
        else Progress.for_bytes(size, label)
    with open(path, "rb") as f, bar:
        stream = files.CountingReader(f, bar.update)
        yield files.read_batches(path, kind, batch_size=batch_size, label_size=label_size,
                                 stream=stream)
