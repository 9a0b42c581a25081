"""Records kept as JSON files that several processes read and write: the training jobs'
``job.json`` (:mod:`smemu.emulator.store`) and the hosting records (:mod:`smemu.emulator.hosting_store`).

``save`` replaces a file atomically (a temporary file renamed over it), so a reader never sees half
a record; ``create`` claims a file name atomically (``O_EXCL``), so two creators of one name cannot
both win; ``load`` reads one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def save(path: Path, record: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(record, handle, indent=1)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def create(path: Path, record: dict) -> None:
    """Write ``record`` to ``path``, which must not exist (FileExistsError if it does); private
    to the user, as ``save``'s temporary files are (records hold requests' Environment values)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(record, handle, indent=1)


def load(path: Path) -> dict:
    """The record at ``path``: FileNotFoundError (or NotADirectoryError) when there is none,
    json.JSONDecodeError while it is being created."""
    with open(path) as handle:
        return json.load(handle)
