"""Which reader a channel's ContentType selects, as SageMaker's built-in algorithms decide it."""

from __future__ import annotations

import functools
from typing import Callable, Iterator

from .batch import Batch
from .csv import read_csv
from .errors import FormatError
from .media_names import IM2REC, IMAGE
from .images import read_image_recordio
from .listings import read_image_file
from .libsvm import read_libsvm
from .parquet import read_parquet
from .recordio_protobuf import read_recordio_protobuf
from .sequences import read_sequence_pairs
from .vocabulary import read_vocabulary
from .text import read_text_lines

RECORDIO_PROTOBUF = "application/x-recordio-protobuf"
CSV = "text/csv"
TEXT = "text/plain"
LIBSVM = "text/libsvm"
PARQUET = "application/x-parquet"
#: what users write for the formats layer's own names
PUBLIC_NAMES = {IM2REC: "application/x-recordio"}
SUPPORTED = (RECORDIO_PROTOBUF, CSV, CSV + ";label_size=0", LIBSVM, PARQUET)
# other names of the same types (an algorithm's ChannelRule may add its own, e.g. XGBoost's "csv")
ALIASES = {"text/x-libsvm": LIBSVM, "application/x-recordio": RECORDIO_PROTOBUF}


def parse_content_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """``'Text/CSV; label_size = 0'`` -> ``('text/csv', {'label_size': '0'})``."""
    if not content_type or not content_type.strip():
        return RECORDIO_PROTOBUF, {}
    media, *params = content_type.split(";")
    parsed = {}
    for param in params:
        if not param.strip():
            continue
        key, sep, value = param.partition("=")
        if not sep:
            raise _unsupported(content_type, f"its parameter {param.strip()!r} has no value")
        parsed[key.strip().lower()] = value.strip().strip('"')
    media = media.strip().lower()
    return ALIASES.get(media, media), parsed


def _unsupported(content_type, why="") -> FormatError:
    return FormatError(
        f"the content type {content_type!r} is not supported" + (f" ({why})" if why else ""),
        "Use one of: " + ", ".join(SUPPORTED) + " (no content type means " + RECORDIO_PROTOBUF + ")")


#: readers an algorithm's channel may name (its ChannelRule's ``record_kind``) for records of
#: another kind than its content type's usual one: Seq2Seq's RecordIO-protobuf sentence pairs
#: (Int32 ``source``/``target`` tensors) and its JSON vocabulary files
RECORD_KINDS = {"sequence-pairs": read_sequence_pairs, "vocabulary": read_vocabulary}


def reader_for(content_type: str | None, record_kind: str | None = None
               ) -> Callable[..., Iterator[Batch]]:
    """``reader(source, batch_size=..., name=None) -> iterator of Batch`` for a channel's
    ContentType. None or "" is RecordIO-protobuf. Anything else raises FormatError listing what
    is supported. ``record_kind`` (a key of RECORD_KINDS) selects that reader instead, once the
    content type is known to be one the formats layer names."""
    if record_kind is not None:
        parse_content_type(content_type)
        return RECORD_KINDS[record_kind]
    media, params = parse_content_type(content_type)
    if media == RECORDIO_PROTOBUF:
        if params:
            raise _unsupported(content_type, "RecordIO-protobuf takes no parameters")
        return read_recordio_protobuf
    if media == CSV:
        unknown = set(params) - {"label_size", "charset", "encoding", "header"}
        if unknown:
            raise _unsupported(content_type, f"unknown parameter {sorted(unknown)[0]!r}")
        if params.get("header", "absent").lower() == "present":
            raise _unsupported(content_type, "the built-in algorithms read CSV without a header")
        label_size = params.get("label_size", "1")
        if label_size not in ("0", "1"):
            raise _unsupported(content_type, "label_size must be 0 or 1")
        return functools.partial(read_csv, label_size=int(label_size))
    if media == TEXT:
        return read_text_lines
    if media == LIBSVM:
        unknown = set(params) - {"charset", "encoding"}
        if unknown:
            raise _unsupported(content_type, f"unknown parameter {sorted(unknown)[0]!r}")
        return read_libsvm
    if media == PARQUET:
        if params:
            raise _unsupported(content_type, "Parquet takes no parameters")
        return read_parquet
    if media in (IM2REC, IMAGE):
        if media == IM2REC and set(params) <= {"label-format"}:
            pass    # image classification's augmented manifest labels (channel_config reads it)
        elif params:
            raise _unsupported(content_type, "image content types take no parameters")
        return read_image_recordio if media == IM2REC else read_image_file
    raise _unsupported(content_type)
