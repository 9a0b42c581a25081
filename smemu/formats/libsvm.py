"""text/libsvm (LIBSVM / SVMlight text) as XGBoost reads it: one record a line,
``<label>[:<weight>] <index>:<value> <index>:<value> ...``, separated by spaces or tabs.

Column indices follow XGBoost's LIBSVM parser (dmlc-core's ``indexing_mode=0``): when the smallest
index in the data is 1 or more the data is taken as 1-based and every index is lowered by one,
otherwise indices are 0-based columns. This reader decides once per source (dmlc-core decides per
parsed block, which gives the same answer unless a large file mixes both). Features come back as
a float32 CSR matrix whose width is the largest column + 1; ``Batch.weights`` holds the instance
weights when lines carry ``label:weight``, ``Batch.qids`` the ranking query of each line when
lines carry ``qid:<id>`` after the label.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from .batch import Batch, row_slice
from .errors import FormatError
from .sources import open_binary, source_name
from .sparse import scipy_sparse

HINT = ("text/libsvm lines are '<label>[:<weight>] [qid:<id>] <index>:<value> ...' with numeric "
        "labels, non-negative integer indices and numeric values, separated by spaces")


def _bad(problem: str, name: str, line: int, column: int | None = None) -> FormatError:
    return FormatError(problem, HINT, source=name, line=line, column=column)


def _number(text: bytes, what: str, name: str, line: int, column: int) -> float:
    try:
        return float(text)
    except ValueError:
        shown = text.decode("utf-8", "replace")
        raise _bad(f"the {what} {shown!r} is not a number", name, line, column) from None


def _parse_line(tokens: list[bytes], name: str, line: int):
    head = tokens[0].split(b":")
    if len(head) > 2:
        raise _bad(f"the label {tokens[0].decode('utf-8', 'replace')!r} is not "
                   f"'<label>' or '<label>:<weight>'", name, line, 1)
    label = _number(head[0], "label", name, line, 1)
    weight = _number(head[1], "weight", name, line, 1) if len(head) == 2 else None
    qid = None
    if len(tokens) > 1 and tokens[1].startswith(b"qid:"):       # a ranking query's id
        try:
            qid = int(tokens[1][4:])
        except ValueError:
            raise _bad(f"{tokens[1].decode('utf-8', 'replace')!r} is not 'qid:<integer>'",
                       name, line, 2) from None
        tokens = [tokens[0]] + tokens[2:]
    indices, values = [], []
    for column, token in enumerate(tokens[1:], 2 if qid is None else 3):
        index, sep, value = token.partition(b":")
        if not sep or b":" in value:
            raise _bad(f"{token.decode('utf-8', 'replace')!r} is not '<index>:<value>'",
                       name, line, column)
        try:
            i = int(index)
        except ValueError:
            i = -1
        if i < 0:
            raise _bad(f"the index {index.decode('utf-8', 'replace')!r} is not a non-negative "
                       f"integer", name, line, column)
        indices.append(i)
        values.append(_number(value, "value", name, line, column))
    return label, weight, qid, indices, values


def read_libsvm(source, batch_size: int = 1000, name: str | None = None,
                on_error=None) -> Iterator[Batch]:
    """Batches of a float32 CSR feature matrix, float32 labels and (when any line has one)
    float32 instance weights from a path or binary file object of LIBSVM text. Lines are numbered
    from 1 in errors. ``on_error(FormatError)``, if given, receives each bad line and reading goes
    on without it; without it the first bad line raises."""
    name = source_name(source, name)
    labels, weights, qids, indptr, indices, values, lines = [], [], [], [0], [], [], []
    with open_binary(source) as f:
        for number, raw in enumerate(f, 1):
            tokens = raw.split()
            if not tokens or tokens[0].startswith(b"#"):
                continue
            try:
                label, weight, qid, idx, vals = _parse_line(tokens, name, number)
            except FormatError as exc:
                if on_error is None:
                    raise
                on_error(exc)
                continue
            labels.append(label)
            weights.append(np.nan if weight is None else weight)
            qids.append(-1 if qid is None else qid)
            indices.extend(idx)
            values.extend(vals)
            indptr.append(len(indices))
            lines.append(number)
    if not labels:
        return
    cols = np.asarray(indices, dtype=np.int64)
    if cols.size and cols.min() >= 1:
        cols -= 1                                     # 1-based data, as XGBoost detects it
    width = int(cols.max()) + 1 if cols.size else 1
    features = scipy_sparse().csr_matrix((np.asarray(values, dtype=np.float32), cols,
                              np.asarray(indptr, dtype=np.int64)), shape=(len(labels), width))
    weight_array = np.asarray(weights, dtype=np.float32)
    has_weights = not np.isnan(weight_array).all()
    qid_array = np.asarray(qids, dtype=np.int64)
    has_qids = bool((qid_array >= 0).any())
    for present, absent, noun, form in ((has_weights, np.isnan(weight_array), "weight",
                                         "'<label>:<weight>'"),
                                        (has_qids, qid_array < 0, "query id", "'qid:<id>'")):
        missing = np.flatnonzero(absent) if present else ()
        if len(missing):
            error = _bad(f"this line has no {noun} but others have one ({form}); give every "
                         f"line a {noun} or none", name, lines[int(missing[0])], 1)
            if on_error is None:
                raise error
            on_error(error)
            return
    label_array = np.asarray(labels, dtype=np.float32)
    line_array = np.asarray(lines, dtype=np.int64)
    for start in range(0, len(labels), batch_size):
        stop = min(start + batch_size, len(labels))
        yield Batch(row_slice(features, start, stop), label_array[start:stop], name, start,
                    lines=line_array[start:stop],
                    weights=weight_array[start:stop] if has_weights else None,
                    qids=qid_array[start:stop] if has_qids else None)
