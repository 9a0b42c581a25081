"""``S3DataType: AugmentedManifestFile`` channels: the JSON Lines manifest read into one item per
line, and the bytes a Pipe-mode FIFO carries for a line.

Following the AWS developer guide ("Augmented Manifest Files for Training Jobs", "Stream
Augmented Manifest File Data"): the manifest is JSON Lines, one JSON object a line; for each
line, in order, each attribute ``AttributeNames`` lists, in that order, is sent to the
algorithm; other attributes are ignored. An attribute whose name ends in ``-ref`` holds the URI
of an object whose bytes are sent; any other attribute is sent as its string representation
(the guide's ``{"image-ref": ..., "is-a-cat": 1}`` streams ``"1"``). With ``RecordWrapperType:
RecordIO`` each attribute is one RecordIO record — ``recordio_formatted(image1.jpg)
recordio_formatted("1") ...``; without, the attributes' bytes follow each other unframed.

What the guide does not say, smemu chooses: a string value is sent as its text (``"0"`` -> the
byte ``0``), a number, list, object or boolean as compact JSON (``[1,0,1]``,
``{"image_size":[...],...}``); blank lines are skipped (they still count for line numbers); a
relative ``-ref`` in a local manifest is read against the manifest's directory.

Each line is a :class:`ManifestLine` (a :class:`StoredObject`), so a pass's order (ShuffleConfig),
ShardedByS3Key and one FIFO per epoch work over lines as they do over the objects of a prefix.
"""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass, field
from typing import BinaryIO

from smemu.emulator.storage import (StagingError, Storages, StoredObject, is_local, local_path,
                                    storage_for)

REF_SUFFIX = "-ref"
HINT = ("Each line of an augmented manifest is one JSON object holding every attribute "
        "AttributeNames lists, e.g. {\"source-ref\": \"s3://bucket/image1.jpg\", \"class\": 0}")


@dataclass
class ManifestLine(StoredObject):
    """One line of an augmented manifest: its attributes' values, in AttributeNames order."""

    manifest: str = ""
    line: int = 0
    values: list = field(default_factory=list)        # [(name, value), ...]
    storages: Storages | None = field(default=None, repr=False, compare=False)

    def where(self, name: str) -> str:
        return f"Line {self.line} of the augmented manifest file {self.manifest} (attribute '{name}')"


def read_manifest(uri: str, attribute_names, storages: Storages | None = None,
                  on_error=None) -> list[ManifestLine]:
    """The lines of the augmented manifest at ``uri``; a StagingError naming the manifest, the
    line and the attribute for a line that is not a JSON object or lacks an attribute. With
    ``on_error(line number, StagingError)`` (``smemu validate``), such a line is handed to it and
    skipped."""
    try:
        with storage_for(uri, storages).open(uri) as handle:
            data = handle.read()
    except OSError as exc:
        raise StagingError(f"Cannot read the augmented manifest file {uri}: {exc}.") from None
    base = local_path(uri).parent if is_local(uri) else None
    out = []
    failed = False
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            out.append(_line(uri, number, raw, attribute_names, base, storages))
        except StagingError as exc:
            if on_error is None:
                raise
            failed = True
            on_error(number, exc)
    if not out and not failed:
        raise StagingError(f"The augmented manifest file {uri} holds no lines. {HINT}.")
    return out


def _line(uri: str, number: int, raw: bytes, attribute_names, base, storages) -> ManifestLine:
    """One line of the manifest; a StagingError naming it and what is wrong."""
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise StagingError(f"Line {number} of the augmented manifest file {uri} is not valid "
                           f"JSON ({exc}). {HINT}.") from None
    if not isinstance(doc, dict):
        raise StagingError(f"Line {number} of the augmented manifest file {uri} is a JSON "
                           f"{type(doc).__name__}, not an object. {HINT}.")
    values = []
    for name in attribute_names:
        if name not in doc:
            raise StagingError(
                f"Line {number} of the augmented manifest file {uri} has no attribute "
                f"'{name}' (AttributeNames: {list(attribute_names)}). Add it to the line, "
                f"remove the line, or fix AttributeNames (names are case-sensitive).")
        value = doc[name]
        if name.endswith(REF_SUFFIX):
            if not isinstance(value, str) or not value.strip():
                raise StagingError(
                    f"Line {number} of the augmented manifest file {uri}: the attribute "
                    f"'{name}' is {json.dumps(value)}; an attribute whose name ends in -ref "
                    f"holds the S3 URI of an object (\"s3://bucket/key\").")
            if base is not None and is_local(value) and not local_path(value).is_absolute():
                value = "file://" + str((base / local_path(value)).resolve())
        values.append((name, value))
    return ManifestLine(f"{uri} line {number}", f"line-{number}", None, manifest=uri,
                        line=number, values=values, storages=storages)


def attribute_bytes(line: ManifestLine, name: str, value, compression: str = "None") -> bytes:
    """What the FIFO carries for one attribute of a line (before any RecordIO framing)."""
    if not name.endswith(REF_SUFFIX):
        if isinstance(value, str):
            return value.encode("utf-8")
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    try:
        with storage_for(value, line.storages).open(value) as raw:
            data = raw.read()
        if compression == "Gzip":
            data = gzip.GzipFile(fileobj=io.BytesIO(data)).read()
        return data
    except (StagingError, OSError, EOFError) as exc:
        raise StagingError(
            f"{line.where(name)} names the object {value}, which cannot be read ({exc}). Upload "
            f"the object, or fix the URI in the manifest.") from None


def open_line(line: ManifestLine, compression: str, record_wrapper: str) -> BinaryIO:
    """A reader of the bytes the FIFO carries for one manifest line: each attribute in
    AttributeNames order, each one RecordIO record with ``RecordWrapperType: RecordIO``."""
    parts = [attribute_bytes(line, name, value, compression) for name, value in line.values]
    if record_wrapper == "RecordIO":
        from smemu.formats.recordio import MAX_PART, frame   # numpy: only for wrapped channels

        for (name, _value), part in zip(line.values, parts):
            if len(part) > MAX_PART:
                raise StagingError(f"{line.where(name)} is {len(part)} bytes; "
                                   f"RecordWrapperType=RecordIO wraps at most {MAX_PART} bytes.")
        parts = [frame(part) for part in parts]
    return io.BytesIO(b"".join(parts))
