"""Where data comes from and goes to: one small interface per URI scheme, and the registry of them.

A :class:`Storage` lists the objects under a prefix URI, opens one as a stream, and puts a local
file at a URI. :class:`Storages` says which storage serves each scheme: ``file://`` URIs and plain
paths (:class:`FileStorage`), and ``s3://`` (:mod:`smemu.emulator.s3`, imported when first asked
for, as boto3 takes a while to import). A server started with ``--no-file-uris`` hands its own
``Storages(allow_local=False)`` to what it runs, under which local paths are refused — also
those a manifest on S3 names; everything else uses :data:`DEFAULT`.
"""

from __future__ import annotations

import abc
import importlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable
from urllib.parse import unquote, urlparse


class StagingError(Exception):
    """A channel or output location cannot be used; the message names the URI and what to do."""


@dataclass
class StoredObject:
    uri: str
    relative: str       # the key relative to the channel's prefix; never absolute, never '..'
    size: int | None = None
    # the storage that listed it (under the caller's policy); None: the default one for its URI
    storage: "Storage | None" = field(default=None, repr=False, compare=False)


class Storage(abc.ABC):
    """One URI scheme's objects."""

    @abc.abstractmethod
    def list(self, prefix_uri: str) -> list[StoredObject]:
        """Every object whose key starts with ``prefix_uri``, sorted by key (S3Prefix semantics)."""

    @abc.abstractmethod
    def open(self, uri: str) -> BinaryIO:
        """A streaming binary reader of one object."""

    @abc.abstractmethod
    def put(self, local_path: str, uri: str) -> None:
        """Write the local file ``local_path`` to ``uri`` (creating what is needed)."""



def local_path(uri: str) -> Path:
    """The filesystem path of a ``file://`` URI or plain path (relative paths stay relative)."""
    if uri.startswith("file://"):
        rest = uri[len("file://"):]
        if rest.startswith("localhost/"):
            rest = rest[len("localhost"):]
        return Path(unquote(rest))
    return Path(uri)


def is_local(uri: str) -> bool:
    scheme = urlparse(uri).scheme
    return uri.startswith("file://") or scheme == "" or (len(scheme) == 1 and os.name == "nt")


class FileStorage(Storage):
    """``file://`` URIs and plain paths, with S3Prefix semantics over the filesystem."""

    def list(self, prefix_uri: str) -> list[StoredObject]:
        text = str(local_path(prefix_uri))
        path = Path(text)
        if prefix_uri.endswith("/") or path.is_dir():
            # a directory: everything below it, keyed relative to it
            directory, stem = path, None
        else:
            # a file or a partial name: every sibling whose name starts with it
            directory, stem = path.parent, path.name
        if not directory.is_dir():
            return []
        out: list[StoredObject] = []
        for entry in os.listdir(directory):
            if stem is not None and not entry.startswith(stem):
                continue
            full = directory / entry
            if full.is_dir():
                for root, _dirs, files in os.walk(full):
                    for name in files:
                        out.append(self._object(Path(root) / name, directory))
            elif full.is_file():
                out.append(self._object(full, directory))
        out.sort(key=lambda o: o.relative.encode())   # S3 lists keys in byte order
        return out

    @staticmethod
    def _object(path: Path, directory: Path) -> StoredObject:
        full = os.path.abspath(path)
        rel = os.path.relpath(full, os.path.abspath(directory)).replace(os.sep, "/")
        return StoredObject("file://" + full, rel, os.path.getsize(full))

    def open(self, uri: str) -> BinaryIO:
        path = local_path(uri)
        try:
            return open(path, "rb")
        except OSError as exc:
            raise StagingError(f"Cannot read {uri}: {exc.strerror}. Check that it exists and is "
                               "readable.") from None

    def put(self, local_file: str, uri: str) -> None:
        dest = local_path(uri)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(dest.name + ".smemu-partial")
            shutil.copyfile(local_file, tmp)
            os.replace(tmp, dest)
        except OSError as exc:
            raise StagingError(f"Cannot write {uri}: {exc.strerror}. Check that the output "
                               "location is writable.") from None



class RefusedLocalStorage(Storage):
    """Stands in for local files on a server started with ``--no-file-uris``: a manifest on S3
    whose prefix is a ``file://`` URI must not read the server's disk either."""

    def _refuse(self, uri: str):
        raise StagingError(f"{uri} is a local path, and this smemu server does not read or write "
                           f"local files (it runs with --no-file-uris). Use an s3:// URI.")

    def list(self, prefix_uri):
        self._refuse(prefix_uri)

    def open(self, uri):
        self._refuse(uri)

    def put(self, local_path, uri):
        self._refuse(uri)


# ------------------------------------------------------------------------------------------------
# the registry

# scheme -> the factory of its Storage, or "module:factory" to import when first needed
STORAGES: dict[str, Callable[[], Storage] | str] = {
    "file": FileStorage,
    "s3": "smemu.emulator.s3:shared_storage",
}


class Storages:
    """The storage of each scheme, under one policy: ``allow_local=False`` refuses local paths."""

    def __init__(self, allow_local: bool = True):
        self.allow_local = allow_local

    def for_uri(self, uri: str) -> Storage:
        scheme = "file" if is_local(uri) else urlparse(uri).scheme
        if scheme == "file" and not self.allow_local:
            return RefusedLocalStorage()
        factory = STORAGES.get(scheme)
        if factory is None:
            raise StagingError(
                f"smemu cannot read or write {uri}: no storage is registered for '{scheme}://' "
                f"URIs. Use one of: {', '.join(s + '://' for s in sorted(STORAGES))} or a local "
                f"path.")
        if isinstance(factory, str):
            module, name = factory.split(":")
            factory = getattr(importlib.import_module(module), name)
        return factory()


DEFAULT = Storages()


def storage_for(uri: str, storages: Storages | None = None) -> Storage:
    """The storage of ``uri`` under ``storages`` (default: :data:`DEFAULT`)."""
    return (storages or DEFAULT).for_uri(uri)
