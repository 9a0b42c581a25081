"""A model's outputs written the way the built-in containers answer /invocations.

``outputs`` maps each output name (``closest_cluster``, ``score``...) to a float array with one
value per record, or one row of values per record (a multiclass score per class). Numbers are
written as the float32 value they are, as Python floats: ``0.9999716281890869``, ``1.0`` — labels
and cluster numbers too (the SageMaker developer guide's "Common data formats for inference" shows
``"closest_cluster": 0.0``; public Linear Learner answers read ``"predicted_label": 1.0``).

* ``application/json``: ``{"predictions": [{"closest_cluster": 1.0, ...}, ...]}``, spaced as
  Python's ``json.dumps`` spaces it, as the real containers do (the root key is the model's
  ``response_root``: PCA answers ``{"projections": [{"projection": [...]}]}``).
* ``application/jsonlines``: one per-record object a line.
* ``application/x-recordio-protobuf``: one Record per input record, outputs as float32 tensors in
  its ``label`` map, ``features`` empty.
* ``text/csv``: the outputs of a record comma-separated, one record a line.
"""

from __future__ import annotations

import json
from typing import Mapping

import numpy as np

from smemu.containers.media_types import CSV, JSON, JSONLINES, RECORDIO_PROTOBUF
from smemu.formats.recordio import MAGIC as RECORDIO_MAGIC

RESPONSE_TYPES = (JSON, JSONLINES, RECORDIO_PROTOBUF, CSV)


def _python_columns(outputs: Mapping[str, np.ndarray]) -> list[tuple[str, list]]:
    """(name, per-record Python values) pairs; float32 widened exactly to Python floats."""
    return [(name, np.asarray(values, dtype=np.float32).astype(np.float64).tolist())
            for name, values in outputs.items()]


def _records(outputs) -> list[dict]:
    columns = _python_columns(outputs)
    names = [name for name, _ in columns]
    return [dict(zip(names, row)) for row in zip(*(values for _, values in columns))]


def encode_json(outputs, root: str = "predictions") -> bytes:
    return json.dumps({root: _records(outputs)}).encode()


def encode_jsonlines(outputs, root: str = "predictions") -> bytes:
    return "\n".join(json.dumps(record) for record in _records(outputs)).encode()


def encode_csv(outputs, root: str = "predictions") -> bytes:
    rows = zip(*(values for _, values in _python_columns(outputs)))
    lines = []
    for row in rows:
        cells = []
        for value in row:
            cells.extend(repr(v) for v in (value if isinstance(value, list) else [value]))
        lines.append(",".join(cells))
    return "\n".join(lines).encode()


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def encode_recordio_protobuf(outputs, root: str = "predictions") -> bytes:
    """Every record has the same layout (the same outputs, each of a fixed width), so the body is
    built as one byte matrix, a row per record: the constant protobuf and RecordIO bytes
    broadcast, the float32 values copied into their columns. The Records are what
    ``Record(label={name: Value(float32_tensor=Float32Tensor(values=[...]))})`` serialises to."""
    columns = [(name, np.asarray(values, dtype="<f4").reshape(len(values), -1))
               for name, values in outputs.items()]
    count = columns[0][1].shape[0] if columns else 0
    pieces = []                    # constant bytes, or the index of an output's values
    tag = _varint(1 << 3 | 2), _varint(2 << 3 | 2)                      # fields 1 and 2, bytes
    for i, (name, values) in enumerate(columns):
        floats = values.shape[1] * 4
        tensor_head = tag[0] + _varint(floats)                   # Float32Tensor.values, packed
        tensor_len = len(tensor_head) + floats
        value_head = tag[1] + _varint(tensor_len)                # Value.float32_tensor
        value_len = len(value_head) + tensor_len
        entry_head = _field(1, name.encode()) + tag[1] + _varint(value_len)   # map key, value
        entry_len = len(entry_head) + value_len
        pieces.append(tag[1] + _varint(entry_len)                # Record.label, one map entry
                      + entry_head + value_head + tensor_head)
        pieces.append(i)
    payload_len = sum(len(p) if isinstance(p, bytes) else columns[p][1].shape[1] * 4
                      for p in pieces)
    padded = (payload_len + 3) & ~3
    head = np.frombuffer(np.array([RECORDIO_MAGIC, payload_len], dtype="<u4").tobytes(), np.uint8)
    body = np.zeros((count, 8 + padded), dtype=np.uint8)
    body[:, :8] = head
    at = 8
    for piece in pieces:
        if isinstance(piece, bytes):
            body[:, at:at + len(piece)] = np.frombuffer(piece, np.uint8)
            at += len(piece)
        else:
            values = np.ascontiguousarray(columns[piece][1]).view(np.uint8)
            body[:, at:at + values.shape[1]] = values
            at += values.shape[1]
    return body.tobytes()


ENCODERS = {
    JSON: encode_json,
    JSONLINES: encode_jsonlines,
    RECORDIO_PROTOBUF: encode_recordio_protobuf,
    CSV: encode_csv,
}


def encode_response(outputs, accept: str, root: str = "predictions") -> bytes:
    """``outputs`` as a body of type ``accept`` (one of RESPONSE_TYPES); ``root`` is the JSON
    document's key for the per-record list (only JSON has one)."""
    return ENCODERS[accept](outputs, root)
