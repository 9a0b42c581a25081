"""Text records: one UTF-8 line per record, handed over as strings (no numbers parsed).

``read_text_lines`` reads ``text/plain`` (e.g. NTM's auxiliary ``vocab.txt``, a word a line):
each batch's ``features`` is an ``(n, 1)`` object array of the lines. ``read_text_fields`` reads
comma-separated lines of exactly ``columns`` string fields into an ``(n, columns)`` object array
(e.g. IP Insights' ``entity,ip`` rows); a line with another number of fields is a FormatError
naming it. Line numbers are kept for error messages.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from .batch import Batch
from .errors import FormatError
from .sources import open_binary, source_name


def _report(exc: FormatError, on_error) -> None:
    """Raise ``exc``, or hand it to ``on_error`` (validation) and go on with the next line."""
    if on_error is None:
        raise exc
    on_error(exc)


def _lines(source, name, on_error=None) -> Iterator[tuple[int, str]]:
    with open_binary(source) as f:
        for number, raw in enumerate(f, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                _report(FormatError("the line is not valid UTF-8 text", "Save the file as UTF-8.",
                                    source=name, line=number), on_error)
                continue
            yield number, text.rstrip("\r\n")


def _batches(rows, batch_size: int, name: str, width: int) -> Iterator[Batch]:
    values, numbers, first = [], [], 0
    for number, fields in rows:
        values.append(fields)
        numbers.append(number)
        if len(values) == batch_size:
            yield _batch(values, numbers, name, first, width)
            first += len(values)
            values, numbers = [], []
    if values:
        yield _batch(values, numbers, name, first, width)


def _batch(values, numbers, name, first, width) -> Batch:
    features = np.empty((len(values), width), dtype=object)
    features[:] = values
    return Batch(features, None, name, first, lines=np.asarray(numbers))


def read_text_lines(source, batch_size: int = 1000, name: str | None = None,
                    on_error=None) -> Iterator[Batch]:
    name = source_name(source, name)
    rows = ((n, [text]) for n, text in _lines(source, name, on_error))
    yield from _batches(rows, batch_size, name, 1)


def read_text_fields(source, columns: int, batch_size: int = 1000, name: str | None = None,
                     on_error=None) -> Iterator[Batch]:
    name = source_name(source, name)

    def rows():
        for number, text in _lines(source, name, on_error):
            if not text.strip():
                continue
            fields = [field.strip() for field in text.split(",")]
            if len(fields) != columns:
                _report(FormatError(
                    f"the line has {len(fields)} comma-separated fields, not {columns}",
                    f"Write each record as {columns} fields separated by commas.",
                    source=name, line=number), on_error)
                continue
            yield number, fields

    yield from _batches(rows(), batch_size, name, columns)
