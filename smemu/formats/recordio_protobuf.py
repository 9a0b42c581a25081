"""Reading and writing RecordIO-protobuf (application/x-recordio-protobuf) as batches of arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from . import records, wire, wire_encode
from .batch import Batch, Batcher, row_slice
from .errors import FormatError
from .recordio import DEFAULT_BLOCK, Frames, iter_frames
from .sources import open_binary
from .sparse import issparse, scipy_sparse

HINT_MIXED = ("All records of a channel must have the same feature dimension and be all dense or "
              "all sparse; fix or split the data")


@dataclass
class _Expect:
    """What the first record of a source set; every later record must agree."""

    sparse: bool
    width: int
    labelled: bool


def decode(frames) -> records.Decoded:
    """The records of one block: the vectorised decoder when the layout is the common one, else
    the generated protobuf module (which also words the errors)."""
    decoded = wire.decode(frames)
    if decoded is None:
        decoded = records.decode_with_protobuf(frames)
    return decoded


def _check(decoded: records.Decoded, frames, expect: _Expect | None) -> _Expect:
    if expect is None:
        expect = _Expect(bool(decoded.sparse[0]), int(decoded.widths[0]),
                         bool(decoded.label_counts[0] > 0))
    if (decoded.uniform and bool(decoded.sparse[0]) == expect.sparse
            and decoded.widths[0] == expect.width
            and bool(decoded.label_counts[0] > 0) == expect.labelled
            and decoded.key_max < expect.width):
        return expect       # the compiled decoder saw every record agree: no scans

    def fail(i, problem, hint=HINT_MIXED):
        i = int(i)
        raise FormatError(problem, hint, source=frames.source, record=frames.first_record + i,
                          offset=int(frames.offsets[i]))

    kind = lambda s: "sparse" if s else "dense"  # noqa: E731
    bad = np.flatnonzero(decoded.sparse != expect.sparse)
    if len(bad):
        fail(bad[0], f"the record is {kind(not expect.sparse)} but the records before it are "
                     f"{kind(expect.sparse)}")
    bad = np.flatnonzero(decoded.widths != expect.width)
    if len(bad):
        fail(bad[0], f"the record has {decoded.widths[bad[0]]} features but the records before it "
                     f"have {expect.width}")
    has = decoded.label_counts > 0
    bad = np.flatnonzero(has != expect.labelled)
    if len(bad):
        fail(bad[0], "the record has no label but the records before it have one" if expect.labelled
             else "the record has a label but the records before it have none",
             "Label every record or none")
    bad = np.flatnonzero(decoded.label_counts > 1)
    if len(bad):
        fail(bad[0], f"the record's label holds {decoded.label_counts[bad[0]]} values; one value "
                     "per record is expected", "Write one scalar label per record")
    if expect.sparse and len(decoded.keys) and int(decoded.keys.max()) >= expect.width:
        bad = np.flatnonzero(decoded.keys >= np.uint64(expect.width))
        if len(bad):
            row = np.searchsorted(np.cumsum(decoded.counts), bad[0], side="right")
            fail(row, f"the sparse record has key {decoded.keys[bad[0]]}, outside its shape "
                      f"[{expect.width}]", records.HINT)
    return expect


def _arrays(decoded: records.Decoded, expect: _Expect):
    n = len(decoded)
    if expect.sparse:
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(decoded.counts, out=indptr[1:])
        index_dtype = np.int32 if expect.width < 2**31 and len(decoded.keys) < 2**31 else np.int64
        features = scipy_sparse().csr_matrix((decoded.values, decoded.keys.astype(index_dtype, copy=False),
                                  indptr.astype(index_dtype)), shape=(n, expect.width))
    else:
        features = decoded.values.reshape(n, expect.width)
    labels = decoded.labels if expect.labelled else None
    return features, labels


def read_recordio_protobuf(source, batch_size: int = 1000, name: str | None = None,
                           block_size: int = DEFAULT_BLOCK, on_error=None) -> Iterator[Batch]:
    """Batches of ``batch_size`` records (the last may be shorter) from a path or binary file
    object holding RecordIO-protobuf. Bad framing, undecodable records, records of different
    widths, dense mixed with sparse, or a missing ``values`` key raise FormatError.

    ``on_error(FormatError)``, if given, receives each bad record whose framing is intact
    (undecodable, of another width or kind, ...) and reading goes on without it (``smemu
    validate`` reports every one); bad framing still ends the read."""
    expect = None
    batcher = None
    # the decoders copy every array out of a block before the next is read: one buffer serves
    for block in iter_frames(source, name, block_size, align=batch_size, reuse_buffers=True):
        if batcher is None:
            batcher = Batcher(batch_size, block.source)
        for frames in _batch_parts(block, batcher, expect):
            expect = yield from _decode_part(frames, expect, batcher, on_error)
    if batcher is not None:
        yield from batcher.finish()


MIN_PART = 64  # smaller batches are sliced from a whole block's arrays (each decoder call costs)


def _batch_parts(frames, batcher, expect):
    """A block's sparse records cut where batches end, so that each batch's arrays are decoded on
    their own rather than sliced from the block's (scipy copies a CSR matrix's arrays when they
    are slices of much larger ones). Dense blocks stay whole: numpy slices are views, and each
    call of the numpy decoder costs."""
    if batcher.batch_size < MIN_PART or expect is None or not expect.sparse:
        yield frames
        return
    start = 0
    stop = batcher.batch_size - batcher.count
    while start < len(frames):
        yield frames.part(start, min(stop, len(frames)))
        start, stop = stop, stop + batcher.batch_size


def _decode_part(frames, expect, batcher, on_error):
    """Decodes and checks records, hands their arrays to the batcher; returns the expectation."""
    try:
        decoded = decode(frames)
        checked = _check(decoded, frames, expect)
    except FormatError:
        if on_error is None:
            raise
        return (yield from _record_by_record(frames, expect, batcher, on_error))
    features, labels = _arrays(decoded, checked)
    yield from batcher.add(features, labels, frames.offsets)
    return checked


CHUNK_BYTES = 4 << 20  # encode this much at a time: bounded memory, cache-friendly


def _chunk_rows(features) -> int:
    rows = max(1, features.shape[0])
    if issparse(features):
        per_row = 6 * features.nnz / rows + 40
    else:
        per_row = features.shape[1] * features.dtype.itemsize + 40
    return max(64, int(CHUNK_BYTES // per_row))


def _record_by_record(frames, expect, batcher, on_error):
    """A block holding a bad record, one record at a time: each bad one goes to ``on_error`` and
    is left out, the batch cut before it so the records after it keep their indices."""
    for i in range(len(frames)):
        one = Frames(frames.buf, frames.starts[i:i + 1], frames.lengths[i:i + 1],
                     frames.offsets[i:i + 1], frames.first_record + i, frames.source)
        try:
            decoded = decode(one)
            expect = _check(decoded, one, expect)
        except FormatError as exc:
            on_error(exc)
            yield from batcher.finish()
            batcher.next_record += 1
            continue
        features, labels = _arrays(decoded, expect)
        yield from batcher.add(features, labels, one.offsets)
    return expect


def write_recordio_protobuf(dest, features, labels=None, chunk_rows: int | None = None) -> int:
    """Writes the rows of a dense 2-D array or scipy sparse matrix (and optional 1-D labels) as
    RecordIO-protobuf to ``dest`` (a path or binary file object), byte for byte what the sagemaker
    SDK's write_numpy_to_dense_tensor / write_spmatrix_to_sparse_tensor write. Returns bytes
    written."""
    if issparse(features):
        features = features.tocsr()
    else:
        features = np.asarray(features)
    if features.ndim != 2:
        raise ValueError(f"features must be a 2-D array (a matrix), not {features.ndim}-D")
    if features.shape[1] == 0:
        raise ValueError("features have no columns; RecordIO-protobuf records need at least one")
    records.tensor_dtype(features.dtype)
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.shape[0] != features.shape[0]:
            raise ValueError(f"labels must be a vector with one value per row ({features.shape[0]}),"
                             f" not of shape {labels.shape}")
        records.tensor_dtype(labels.dtype)
    _check_int32(features)
    if labels is not None:
        _check_int32(labels)
    total = 0
    chunk_rows = chunk_rows or _chunk_rows(features)
    with open_binary(dest, "wb") as f:
        for lo in range(0, features.shape[0], chunk_rows):
            hi = min(lo + chunk_rows, features.shape[0])
            data = wire_encode.encode(row_slice(features, lo, hi), None if labels is None else labels[lo:hi])
            f.write(memoryview(data))
            total += data.nbytes
    return total


def _check_int32(array):
    data = array.data if issparse(array) else array
    if data.dtype.kind in "iu" and data.size:
        if data.min() < -2**31 or data.max() >= 2**31:
            raise ValueError("integer values outside the int32 range cannot be written as an Int32 "
                             "tensor; convert them to float64")
