"""A job's channels: listing their objects, opening and copying them, over the storages of
:mod:`smemu.emulator.storage` (whose names this module also offers).

Local URIs: ``file:///abs/path``, ``/abs/path`` and relative paths (``data/train.csv``, and the
non-standard but common ``file://data/train.csv``) are all accepted; :func:`resolve_uri` turns a
relative one into ``file:///abs/path`` against a base directory (a job file's directory).

Channel listing (:func:`list_channel`) follows SageMaker's S3DataType semantics for every scheme:

* ``S3Prefix``: every object whose key starts with the prefix, sorted by key. For local paths:
  a directory (``file:///d/train`` or ``file:///d/train/``) gives every file below it, ``relative``
  to it (``/d/train/a/b.csv`` -> ``a/b.csv``); a file or partial name (``file:///d/tr``) gives
  the files and directories beside it whose name starts with it, relative to their directory
  (``train.csv``, ``train2/x.csv``).
* ``ManifestFile``: the URI names a JSON manifest ``[{"prefix": "s3://b/p/"}, "rel/1", ...]``,
  read through ``storage.open``; each entry is ``prefix + entry`` with ``relative = entry``.

:func:`open_object` opens an object, gunzipping it on the fly for ``CompressionType=Gzip``.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from smemu.emulator.storage import (DEFAULT, FileStorage, StagingError, Storage,  # noqa: F401
                                    Storages, StoredObject, is_local, local_path, storage_for)


def resolve_uri(uri: str, base_dir: str | os.PathLike | None = None) -> str:
    """``uri`` with a relative local path made absolute against ``base_dir`` (default: the current
    directory), as ``file:///...``; other schemes are returned unchanged. A trailing ``/`` is kept."""
    if not is_local(uri):
        return uri
    path = local_path(uri)
    if not path.is_absolute():
        path = Path(base_dir or os.getcwd()) / path
    text = os.path.abspath(os.path.expanduser(str(path)))
    if uri.endswith("/") and not text.endswith("/"):
        text += "/"
    return "file://" + text


def _safe_relative(rel: str, uri: str) -> str:
    """``rel`` as a clean relative path; a StagingError if any decoding of it (as it is, and
    after each round of %-unquoting: ``%2e%2e``, ``%252e%252e``...) climbs out or is absolute,
    with ``/`` or ``\\`` as the separator."""
    for form in _decodings(rel):
        parts = [p for p in form.replace("\\", "/").split("/") if p not in ("", ".")]
        if not parts or ".." in parts or form.replace("\\", "/").startswith("/"):
            raise StagingError(
                f"The object {uri} would be written to {rel!r}"
                f"{'' if form == rel else f' (decoded: {form!r})'}, outside its channel "
                "directory. Rename it so its key below the channel's prefix has no '..' (in any "
                "encoding) and is not absolute.")
    return "/".join(p for p in rel.replace("\\", "/").split("/") if p not in ("", "."))


def _decodings(text: str, rounds: int = 8):
    """``text`` and each %-unquoting of it until nothing changes (at most ``rounds``)."""
    yield text
    for _ in range(rounds):
        decoded = unquote(text)
        if decoded == text:
            return
        text = decoded
        yield text


def _check_inside(obj: "StoredObject") -> None:
    """A local object must be, once every link is followed, inside the directory its key is
    relative to: a symbolic link (or anything else) that leads out of the channel's directory is
    refused, as a '..' key is."""
    if not is_local(obj.uri) or not obj.uri.endswith(obj.relative):
        return
    base = local_path(obj.uri[:len(obj.uri) - len(obj.relative)])
    real_base = os.path.realpath(base)
    real = os.path.realpath(local_path(obj.uri))
    if os.path.commonpath([real_base, real]) != real_base:
        raise StagingError(
            f"The object {obj.uri} leads to {real}, outside the channel's directory {real_base} "
            f"(through a symbolic link or an encoded '..'). smemu refuses data outside the "
            f"channel's directory; copy the file into it instead of linking to it.")


# ------------------------------------------------------------------------------------------------
# channels

def list_channel(uri: str, data_type: str = "S3Prefix",
                 storages: Storages | None = None, attribute_names=()) -> list[StoredObject]:
    """The objects of a channel whose ``S3Uri`` is ``uri`` and ``S3DataType`` is ``data_type``,
    each tied to its storage under ``storages`` (default: :data:`DEFAULT`); for an
    ``AugmentedManifestFile``, its lines (:mod:`smemu.emulator.augmented_manifest`), each with
    the values of ``attribute_names``.

    Raises :class:`StagingError` when nothing is found or the manifest is malformed."""
    if data_type == "AugmentedManifestFile":
        from smemu.emulator.augmented_manifest import read_manifest
        return read_manifest(uri, attribute_names, storages)
    storage = storage_for(uri, storages)
    if data_type == "ManifestFile":
        objects = _manifest_objects(storage, uri)
    elif data_type == "S3Prefix":
        objects = storage.list(uri)
    else:
        raise StagingError(f"smemu does not emulate S3DataType {data_type!r} (channel {uri}); "
                           "use S3Prefix, ManifestFile or AugmentedManifestFile.")
    for obj in objects:
        _check_inside(obj)
        obj.relative = _safe_relative(obj.relative, obj.uri)
        obj.storage = storage_for(obj.uri, storages)   # a manifest's prefix may be elsewhere
    if not objects:
        raise StagingError(
            f"No S3 objects found under S3 URL \"{uri}\" given in input data source. Please "
            "ensure that the location exists and that objects exist under that prefix.")
    return objects


def _manifest_objects(storage: Storage, uri: str) -> list[StoredObject]:
    try:
        with storage.open(uri) as handle:
            entries = json.loads(handle.read().decode("utf-8"))
    except StagingError:
        raise
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StagingError(f"The manifest file {uri} is not valid JSON ({exc}). A manifest is "
                           "[{\"prefix\": \"s3://bucket/prefix/\"}, \"relative/key1\", ...].") from None
    if (not isinstance(entries, list) or not entries or not isinstance(entries[0], dict)
            or not isinstance(entries[0].get("prefix"), str)):
        raise StagingError(f"The manifest file {uri} must be a JSON list whose first element is "
                           "{\"prefix\": \"<uri>\"} followed by the keys relative to it.")
    prefix = entries[0]["prefix"]
    if is_local(prefix) and is_local(uri):
        # a relative local prefix is read against the manifest's own directory
        manifest_dir = local_path(uri).parent
        prefix = resolve_uri(prefix, manifest_dir)
    out = []
    for i, entry in enumerate(entries[1:], start=1):
        if not isinstance(entry, str) or not entry:
            raise StagingError(f"Entry {i} of the manifest file {uri} is {entry!r}; every entry "
                               "after the first must be a key relative to the prefix, as a string.")
        out.append(StoredObject(_join(prefix, entry), entry, None))
    return out


def _join(prefix: str, key: str) -> str:
    return prefix + key if prefix.endswith("/") else prefix + "/" + key


def open_object(obj: StoredObject, compression: str = "None") -> BinaryIO:
    """A streaming reader of ``obj``'s bytes, gunzipped on the fly when ``compression`` is Gzip."""
    raw = _storage(obj).open(obj.uri)
    if compression == "Gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    return raw


def stream_failure(uri: str, compression: str, exc: BaseException) -> str:
    """Why an object could not be streamed, naming it (a Gzip object that is not gzip or is cut
    short, or a read error)."""
    if compression == "Gzip":
        return (f"{uri} could not be gunzipped ({exc or type(exc).__name__}): with "
                f"CompressionType=Gzip every object of the channel must be a whole gzip file. "
                f"Compress it again, or set CompressionType to None.")
    return f"{uri} could not be read ({exc or type(exc).__name__})."


def copy_object(obj: StoredObject, dest: Path) -> int:
    """Copy ``obj`` to the local file ``dest`` (File mode); returns the bytes written."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    storage = _storage(obj)
    if isinstance(storage, FileStorage):   # only the built-in local storage takes the fast path
        try:
            shutil.copyfile(local_path(obj.uri), dest)   # sendfile/copy_file_range on Linux
        except OSError as exc:
            raise StagingError(f"Cannot copy {obj.uri}: {exc.strerror}.") from None
        return dest.stat().st_size
    with storage.open(obj.uri) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
        return out.tell()


def _storage(obj: StoredObject) -> Storage:
    return obj.storage or storage_for(obj.uri)
