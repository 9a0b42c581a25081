"""text/csv as the built-in algorithms read it: no header, numbers only, the first ``label_size``
columns are the label (``label_size=0`` for unsupervised data)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from .batch import Batch, Batcher
from .errors import FormatError
from .sources import open_binary, source_name

HINT = ("text/csv input must have no header row, the same number of columns on every line, the "
        "label in the first column(s) and only numbers; set label_size=0 in the content type "
        "(text/csv;label_size=0) for data without labels")
BLOCK_LINES = 20000
# one line is read whole and parsed at ~25 bytes of memory per byte: a longer line is an error
# (8 MiB holds ~800,000 numbers, far past any built-in's feature_dim on a CSV line)
MAX_LINE_BYTES = 8 * 1024 * 1024


def _parse_cell(cell: bytes, name, line, column):
    try:
        return float(cell)
    except ValueError:
        shown = cell.decode("utf-8", "replace").strip()
        what = "is empty" if not shown else f"is {shown!r}, not a number"
        problem = f"the value {what}"
        if line == 1 and shown:
            problem += " (text/csv data has no header row)"
        raise FormatError(problem, HINT, source=name, line=line, column=column) from None


def _parse_lines(lines: list[bytes], numbers: list[int], name, width: int | None, on_error=None):
    """Parses a block of non-empty lines into a float64 matrix (checking width); returns it, the
    width and the line numbers of its rows. With ``on_error``, a bad line is handed to it as a
    FormatError and left out instead of ending the read."""
    try:
        matrix = np.loadtxt(lines, delimiter=",", dtype=np.float64, comments=None, ndmin=2)
        if width is None or matrix.shape[1] == width:
            return matrix, matrix.shape[1], numbers
    except ValueError:
        pass  # find the line and column, in Python
    rows, kept = [], []
    for text, line in zip(lines, numbers):
        cells = text.split(b",")
        if width is None:
            width = len(cells)
        try:
            if len(cells) != width:
                raise FormatError(f"the line has {len(cells)} columns but the lines before it "
                                  f"have {width}", HINT, source=name, line=line)
            try:
                rows.append([float(c) for c in cells])
            except ValueError:
                for column, cell in enumerate(cells, 1):
                    _parse_cell(cell, name, line, column)
        except FormatError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        kept.append(line)
    return np.array(rows, dtype=np.float64).reshape(len(rows), width), width, kept


def read_csv(source, label_size: int = 1, batch_size: int = 1000,
             name: str | None = None, on_error=None) -> Iterator[Batch]:
    """Batches of float32 features (and float32 labels when ``label_size`` is 1; None when 0) from
    a path or binary file object of text/csv. Lines are numbered from 1 in errors.

    ``on_error(FormatError)``, if given, receives each bad line (header, non-numeric cell, wrong
    column count) and reading goes on without it (``smemu validate`` reports every bad line);
    without it the first bad line raises."""
    if label_size not in (0, 1):
        raise ValueError(f"label_size must be 0 or 1, not {label_size}")
    name = source_name(source, name)
    batcher = Batcher(batch_size, name, text_rows=True)
    width = None
    with open_binary(source) as f:
        lines, numbers = [], []
        line = 0
        while True:
            raw = f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            line += 1
            if len(raw) > MAX_LINE_BYTES:
                error = _too_long(f, raw, name, line)
                if on_error is None:
                    raise error
                on_error(error)
                continue
            text = raw.strip()
            if not text:
                continue
            lines.append(text)
            numbers.append(line)
            if len(lines) >= BLOCK_LINES:
                width = yield from _emit(batcher, lines, numbers, name, width, label_size,
                                         on_error)
                lines, numbers = [], []
        if lines:
            width = yield from _emit(batcher, lines, numbers, name, width, label_size, on_error)
    yield from batcher.finish()


def _too_long(f, start: bytes, name, line: int) -> FormatError:
    """The error for a line over MAX_LINE_BYTES; the rest of the line is read past, not kept."""
    length = len(start)
    while not start.endswith(b"\n"):
        start = f.readline(1 << 20)
        if not start:
            break
        length += len(start)
    return FormatError(f"the line is {length:,} bytes long, over the {MAX_LINE_BYTES:,} bytes a "
                       "text/csv line may have", "Split the record's features over fewer "
                       "columns, or send it as application/x-recordio-protobuf",
                       source=name, line=line)


def _emit(batcher, lines, numbers, name, width, label_size, on_error=None):
    matrix, width, numbers = _parse_lines(lines, numbers, name, width, on_error)
    if width <= label_size:
        raise FormatError(f"the line has {width} column(s), leaving no feature columns after "
                          f"{label_size} label column(s)", HINT, source=name, line=numbers[0])
    with np.errstate(over="ignore"):   # past float32's range is infinity, which checks refuse
        features = np.ascontiguousarray(matrix[:, label_size:], dtype=np.float32)
    labels = matrix[:, 0].astype(np.float32) if label_size else None
    yield from batcher.add(features, labels, np.array(numbers, dtype=np.int64))
    return width
