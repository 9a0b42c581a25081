"""Token-id sequence pairs in RecordIO-protobuf, as SageMaker's Sequence-to-Sequence reads them.

Each record is an ``aialgs.data`` Record whose ``features`` map holds two Int32 tensors:
``features['source']`` (the source sentence's token ids) and ``features['target']`` (the target
sentence's; empty in an inference request). That is what the ``create_vocab_proto.py`` script of
AWS's seq2seq example notebooks writes (``list_to_record_bytes``), and what the real endpoint
answers with ``features['target']`` holding the translation.

A batch holds its sequences padded with 0 (``<pad>``'s id) into 2-D int32 arrays, with their
lengths beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np

from .batch import Batch
from .errors import FormatError
from .recordio import iter_frames, write_recordio
from .records import protobuf

SOURCE, TARGET = "source", "target"
PAD_ID = 0
HINT = ("Each record must hold the token ids of a sentence pair as Int32 tensors under "
        "features['source'] and features['target'], as list_to_record_bytes in the seq2seq "
        "example's create_vocab_proto.py writes them")


def padded(sequences: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(n, longest)`` int32 array of the sequences padded with PAD_ID, and their lengths."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    out = np.full((len(sequences), int(lengths.max()) if len(lengths) else 0), PAD_ID, np.int32)
    if len(lengths):
        mask = np.arange(out.shape[1]) < lengths[:, None]
        out[mask] = np.concatenate([np.asarray(s, dtype=np.int32) for s in sequences]) \
            if lengths.sum() else np.zeros(0, np.int32)
    return out, lengths


def unpadded(array: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    return [array[i, :int(n)] for i, n in enumerate(lengths)]


@dataclass
class SequenceBatch(Batch):
    """Sentence pairs: ``features`` the padded source ids, ``labels`` the padded target ids,
    ``source_lengths``/``target_lengths`` how many of each row are tokens."""

    source_lengths: np.ndarray = field(default=None, repr=False)
    target_lengths: np.ndarray = field(default=None, repr=False)

    def sources(self) -> list[np.ndarray]:
        return unpadded(self.features, self.source_lengths)

    def targets(self) -> list[np.ndarray]:
        return unpadded(self.labels, self.target_lengths)

    def rows(self, lo: int, hi: int) -> "SequenceBatch":
        return SequenceBatch(self.features[lo:hi], self.labels[lo:hi], self.source,
                             self.first_record + lo,
                             offsets=None if self.offsets is None else self.offsets[lo:hi],
                             source_lengths=self.source_lengths[lo:hi],
                             target_lengths=self.target_lengths[lo:hi])


def _ids(record, key: str, where: dict) -> np.ndarray:
    if key not in record.features:
        present = ", ".join(repr(k) for k in sorted(record.features)) or "none"
        raise FormatError(f"the record has no features[{key!r}] (feature keys present: "
                          f"{present})", HINT, **where)
    value = record.features[key]
    kind = value.WhichOneof("value")
    if kind != "int32_tensor":
        what = {"float32_tensor": "a Float32 tensor", "float64_tensor": "a Float64 tensor",
                "bytes": "Bytes", None: "no tensor"}[kind]
        raise FormatError(f"features[{key!r}] holds {what}; token ids must be an Int32 tensor",
                          HINT, **where)
    return np.array(value.int32_tensor.values, dtype=np.int32)


def decode_pair(payload: bytes, where: dict) -> tuple[np.ndarray, np.ndarray]:
    """The (source, target) token ids of one serialized Record; FormatError at ``where``."""
    record_pb2, DecodeError = protobuf()
    record = record_pb2.Record()
    try:
        record.ParseFromString(payload)
    except DecodeError as e:
        raise FormatError(f"the record is not a valid aialgs.data Record protobuf ({e})",
                          "Check that the file is RecordIO-protobuf and was not altered",
                          **where) from None
    return _ids(record, SOURCE, where), _ids(record, TARGET, where)


def read_sequence_pairs(source, batch_size: int = 1000, name: str | None = None,
                        on_error=None, **_ignored) -> Iterator[SequenceBatch]:
    """Batches of ``batch_size`` sentence pairs from a path or binary file object. A record that
    is not a Record, or lacks an Int32 ``source``/``target``, raises FormatError naming it — or,
    with ``on_error``, goes to it and is left out (the batch is cut before it)."""
    pending: list = []
    first = 0

    def emit():
        nonlocal pending
        src, src_len = padded([p[0] for p in pending])
        trg, trg_len = padded([p[1] for p in pending])
        batch = SequenceBatch(src, trg, name_seen, first,
                              offsets=np.array([p[2] for p in pending], dtype=np.int64),
                              source_lengths=src_len, target_lengths=trg_len)
        pending = []
        return batch

    name_seen = name
    for frames in iter_frames(source, name):
        name_seen = frames.source
        for i in range(len(frames)):
            index, offset = frames.first_record + i, int(frames.offsets[i])
            where = {"source": frames.source, "record": index, "offset": offset}
            try:
                src, trg = decode_pair(frames.payload(i), where)
            except FormatError as exc:
                if on_error is None:
                    raise
                on_error(exc)
                if pending:
                    yield emit()
                first = index + 1
                continue
            if not pending:
                first = index
            pending.append((src, trg, offset))
            if len(pending) == batch_size:
                yield emit()
    if pending:
        yield emit()


def encode_pairs(sources: Sequence[Sequence[int]], targets: Sequence[Sequence[int]] | None = None
                 ) -> list[bytes]:
    """Serialized Records of sentence pairs (``targets`` None: empty targets, as in an inference
    request), field by field as list_to_record_bytes builds them."""
    record_pb2, _ = protobuf()
    out = []
    for i, src in enumerate(sources):
        record = record_pb2.Record()
        record.features[SOURCE].int32_tensor.values.extend(int(t) for t in src)
        record.features[TARGET].int32_tensor.values.extend(
            [] if targets is None else [int(t) for t in targets[i]])
        out.append(record.SerializeToString())
    return out


def encode_targets(targets: Sequence[Sequence[int]]) -> list[bytes]:
    """Serialized Records holding only ``features['target']``: the real endpoint's answer, which
    the example notebook reads as ``rec.features["target"].int32_tensor.values``."""
    record_pb2, _ = protobuf()
    out = []
    for trg in targets:
        record = record_pb2.Record()
        record.features[TARGET].int32_tensor.values.extend(int(t) for t in trg)
        out.append(record.SerializeToString())
    return out


def write_sequence_pairs(dest, sources, targets=None) -> int:
    """Writes sentence pairs as RecordIO-protobuf to ``dest``; returns bytes written."""
    return write_recordio(dest, encode_pairs(sources, targets))
