"""A model's outputs written the way the built-in containers answer /invocations.

``outputs`` maps each output name (``closest_cluster``, ``score``...) to a float array with one
value per record, or one row of values per record (a multiclass score per class). Numbers are
written as the float32 value they are, as Python floats: ``0.9999716281890869``, ``1.0``
(builtin-algorithms.md §1.6).

* ``application/json``: ``{"predictions": [{"closest_cluster": 1.0, ...}, ...]}``, spaced as
  Python's ``json.dumps`` spaces it, as the real containers do.
* ``application/jsonlines``: one per-record object a line.
* ``application/x-recordio-protobuf``: one Record per input record, outputs as float32 tensors in
  its ``label`` map, ``features`` empty.
* ``text/csv``: the outputs of a record comma-separated, one record a line.
"""

from __future__ import annotations

import io
import json
from typing import Mapping

import numpy as np

from smemu.containers.media_types import CSV, JSON, JSONLINES, RECORDIO_PROTOBUF
from smemu.formats import write_recordio
from smemu.proto import record_pb2

RESPONSE_TYPES = (JSON, JSONLINES, RECORDIO_PROTOBUF, CSV)


def _python_columns(outputs: Mapping[str, np.ndarray]) -> list[tuple[str, list]]:
    """(name, per-record Python values) pairs; float32 widened exactly to Python floats."""
    return [(name, np.asarray(values, dtype=np.float32).astype(np.float64).tolist())
            for name, values in outputs.items()]


def _records(outputs) -> list[dict]:
    columns = _python_columns(outputs)
    names = [name for name, _ in columns]
    return [dict(zip(names, row)) for row in zip(*(values for _, values in columns))]


def encode_json(outputs) -> bytes:
    return json.dumps({"predictions": _records(outputs)}).encode()


def encode_jsonlines(outputs) -> bytes:
    return "\n".join(json.dumps(record) for record in _records(outputs)).encode()


def encode_csv(outputs) -> bytes:
    rows = zip(*(values for _, values in _python_columns(outputs)))
    lines = []
    for row in rows:
        cells = []
        for value in row:
            cells.extend(repr(v) for v in (value if isinstance(value, list) else [value]))
        lines.append(",".join(cells))
    return "\n".join(lines).encode()


def encode_recordio_protobuf(outputs) -> bytes:
    columns = [(name, np.asarray(values, dtype=np.float32)) for name, values in outputs.items()]
    count = columns[0][1].shape[0] if columns else 0
    payloads = []
    for row in range(count):
        record = record_pb2.Record()
        for name, values in columns:
            record.label[name].float32_tensor.values.extend(np.atleast_1d(values[row]).tolist())
        payloads.append(record.SerializeToString())
    out = io.BytesIO()
    write_recordio(out, payloads)
    return out.getvalue()


ENCODERS = {
    JSON: encode_json,
    JSONLINES: encode_jsonlines,
    RECORDIO_PROTOBUF: encode_recordio_protobuf,
    CSV: encode_csv,
}


def encode_response(outputs, accept: str) -> bytes:
    """``outputs`` as a body of type ``accept`` (one of RESPONSE_TYPES)."""
    return ENCODERS[accept](outputs)
