"""A vectorised encoder of aialgs.data Records, for the layout :mod:`smemu.formats.wire` decodes
(what the sagemaker SDK writes): every record of a block is built at once with numpy, then framed
with RecordIO's headers (:func:`smemu.formats.recordio.headers`). tests/formats prove its bytes
are the SDK's.

Encoding has a compiled twin, ``encode`` in ``_wire_c.c`` (built by setup.py where a C compiler is
found): the same records in two passes of C per block (every record's sizes, then the bytes),
without the numpy passes that interleave per-record pieces. :func:`encode` uses it when it is built
and takes the block (float32, float64, int32 or int64 values and labels in native order; it
declines int64 values outside int32 and negative keys, which then go to numpy);
tests/formats/test_compiled_encoder.py proves both give the same bytes.
"""

from __future__ import annotations

import sys

import numpy as np

from .records import tensor_dtype
from .recordio import headers
from .sparse import issparse
from .wire import DTYPES, ENTRY_KEY, FIXED_SIZE, KIND_TAGS, concat_ranges

try:  # built by setup.py where a C compiler is found; optional
    from . import _wire_c
except ImportError:  # pragma: no cover - SMEMU_PURE_PYTHON builds
    _wire_c = None
# an extension built from older sources (a checkout updated without reinstalling) has no encode()
_compiled_encode = getattr(_wire_c, "encode", None)

VARINT_LIMITS = np.array([1 << (7 * k) for k in range(1, 10)], dtype=np.uint64)


def _unsigned(values):
    """``values`` (non-negative integers of any dtype, or int64 bit patterns) as an unsigned
    array: narrow unsigned inputs stay narrow, so small keys need no 64-bit pass."""
    v = np.asarray(values)
    if v.dtype.kind == "u":
        return v
    if v.dtype.kind == "i" and len(v) and int(v.min()) >= 0:
        return v.view(np.dtype(f"u{v.dtype.itemsize}"))
    return v.astype(np.int64, copy=False).view(np.uint64)


def _varint_size(values):
    """Bytes of the varint encoding of each (non-negative) value."""
    v = _unsigned(values)
    if len(v) == 0:
        return np.zeros(0, dtype=np.int64)
    top = int(v.max())
    if top < 128:
        return np.ones(len(v), dtype=np.int64)
    if top < 16384:
        return 1 + (v >= 128).astype(np.int64)
    return 1 + np.searchsorted(VARINT_LIMITS, v.astype(np.uint64), side="right").astype(np.int64)


def _varints(values, sizes=None):
    """The varint encodings of ``values`` (non-negative), concatenated."""
    v = _unsigned(values)
    if len(v) == 0:
        return np.zeros(0, dtype=np.uint8)
    top = int(v.max())
    if top < 128:
        return v.astype(np.uint8)
    if top < 16384:  # one or two bytes each (sparse keys of up to 16384 columns): 16-bit work
        v = v.astype(np.uint16, copy=False)
        two = v >= 128
        # little-endian words: low 7 bits (+ continuation bit), then the high bits in byte two
        words = (v & 0xFF80) << 1
        words |= v & 0x7F
        words |= two.view(np.uint8) << 7
        pairs = words.view(np.uint8)
        if two.all():
            return pairs
        keep = np.ones(2 * len(v), dtype=bool)
        keep[1::2] = two
        return np.compress(keep, pairs)
    v = v.astype(np.uint64, copy=False)
    if sizes is None:
        sizes = _varint_size(v)
    longest = int(sizes.max())
    groups = np.empty((len(v), longest), dtype=np.uint8)
    for j in range(longest):
        group = (v >> np.uint64(7 * j)).astype(np.uint8) & 0x7F
        groups[:, j] = group | ((sizes > j + 1).view(np.uint8) << 7)
    if (sizes == longest).all():
        return groups.reshape(-1)
    return np.compress((np.arange(longest) < sizes[:, None]).reshape(-1), groups.reshape(-1))


class _Pieces:
    """Builds records as a sequence of per-record byte pieces, then interleaves them: piece ``k``
    gives record ``i`` ``lengths[i]`` bytes, taken in order from its flat byte array."""

    def __init__(self, n):
        self.n = n
        self.pieces = []  # (lengths per record, flat bytes, is it bulk data)

    def const(self, data: bytes, where=None):
        arr = np.frombuffer(data, dtype=np.uint8)
        if where is None:
            lengths = np.full(self.n, len(arr), dtype=np.int64)
            flat = np.broadcast_to(arr, (self.n, len(arr))).reshape(-1)
        else:
            lengths = np.where(where, len(arr), 0).astype(np.int64)
            flat = np.broadcast_to(arr, (int(where.sum()), len(arr))).reshape(-1)
        self.pieces.append((lengths, flat, False))

    def varint(self, values, where=None):
        values = np.asarray(values, dtype=np.int64)
        sizes = _varint_size(values)
        if where is not None:
            sizes = np.where(where, sizes, 0)
            flat = _varints(values[where])
        else:
            flat = _varints(values, sizes)
        self.pieces.append((sizes, flat, False))

    def raw(self, lengths, flat, bulk=True):
        """Bytes of data (``bulk`` when long: they are placed by a mask, not by index)."""
        self.pieces.append((np.asarray(lengths, dtype=np.int64), flat, bulk))

    def total(self, first=0):
        return sum(p[0] for p in self.pieces[first:])

    def join(self):
        """The payloads framed as RecordIO records (SDK framing: one part, zero padding)."""
        head, pad = headers(self.total())
        pieces = [(np.full(self.n, 8, dtype=np.int64), head.reshape(-1), False)] + self.pieces
        pieces.append((pad, np.zeros(int(pad.sum()), dtype=np.uint8), False))
        lengths = np.stack([p[0] for p in pieces], axis=1)  # (n, k)
        if self.n > 1 and (lengths == lengths[0]).all():  # dense rows: one layout, 2-D copies
            rows = np.empty((self.n, int(lengths[0].sum())), dtype=np.uint8)
            col = 0
            for lens, flat, _ in pieces:
                width = int(lens[0])
                rows[:, col:col + width] = flat.reshape(self.n, width)
                col += width
            return rows.reshape(-1)
        # Variable layouts: each output byte is labelled with its bulk piece (values, keys), which
        # are assigned through boolean masks (fast for their long runs); the small pieces (tags,
        # lengths, constants) are then written in place by index.
        bulk = [j for j, p in enumerate(pieces) if p[2]]
        codes = np.zeros(len(pieces), dtype=np.uint8)
        codes[bulk] = np.arange(1, len(bulk) + 1)
        flat_lengths = lengths.reshape(-1)
        starts = (np.cumsum(flat_lengths) - flat_lengths).reshape(lengths.shape)
        out = np.empty(int(flat_lengths.sum()), dtype=np.uint8)
        if bulk:
            label = np.repeat(np.tile(codes, self.n), flat_lengths)
            for code, j in enumerate(bulk, 1):
                out[label == code] = pieces[j][1]
        for j, (lens, flat, is_bulk) in enumerate(pieces):
            if not is_bulk and len(flat):
                out[concat_ranges(starts[:, j], lens)] = flat
        return out


def _value_message(n, kind, value_bytes, value_lengths, keys=None, key_counts=None, width=None,
                   bulk=True):
    """The pieces of each record's serialized Value message holding a tensor of ``kind``: packed
    values, and for sparse rows the keys and shape [width], in the order protobuf writes them."""
    p = _Pieces(n)
    has_values = value_lengths > 0
    tensor_len = np.where(has_values, 1 + _varint_size(value_lengths) + value_lengths, 0)
    if keys is not None:
        key_bytes = _packed_sizes(keys, key_counts)
        has_keys = key_counts > 0
        tensor_len += np.where(has_keys, 1 + _varint_size(key_bytes) + key_bytes, 0)
        shape_size = int(_varint_size(np.array([width]))[0])
        tensor_len += 2 + shape_size
    p.const(bytes([KIND_TAGS[kind]]))
    p.varint(tensor_len)
    p.const(b"\x0a", has_values)
    p.varint(value_lengths, has_values)
    p.raw(value_lengths, value_bytes, bulk)
    if keys is not None:
        p.const(b"\x12", has_keys)
        p.varint(key_bytes, has_keys)
        p.raw(key_bytes, _varints(keys))
        p.const(b"\x1a" + bytes([shape_size]) + _varints(np.array([width])).tobytes())
    return p


def _values_bytes(kind, values):
    if kind in FIXED_SIZE:
        data = np.ascontiguousarray(values, dtype=DTYPES[kind]).reshape(-1).view(np.uint8)
        return data
    ints = np.asarray(values).astype(np.int64).reshape(-1)
    return _varints(ints.view(np.uint64))


def _packed_lengths(kind, values_2d_or_flat, counts):
    """Byte lengths of each record's packed values."""
    if kind in FIXED_SIZE:
        return counts * FIXED_SIZE[kind]
    return _packed_sizes(np.asarray(values_2d_or_flat).astype(np.int64).reshape(-1).view(np.uint64),
                         counts)


def _packed_sizes(values, counts):
    """Bytes of each record's packed varints, record ``i`` holding the next ``counts[i]``
    values: a per-record sum (np.add.reduceat) of the values' sizes, or for values below 16384
    of the two-byte ones only (no per-value int64 array)."""
    v = _unsigned(values)
    if len(v) == 0:
        return np.zeros(len(counts), dtype=np.int64)
    top = int(v.max())
    if top < 128:
        return counts.astype(np.int64)
    per_value = (v >= 128).view(np.uint8) if top < 16384 else _varint_size(v)
    nonempty = counts > 0
    firsts = (np.cumsum(counts) - counts)[nonempty]
    sizes = counts.astype(np.int64)
    extra = np.add.reduceat(per_value, firsts, dtype=np.int64)
    sizes[nonempty] += extra if top < 16384 else extra - counts[nonempty]
    return sizes


def encode(features, labels=None) -> np.ndarray:
    """RecordIO-framed Records for the rows of a dense 2-D array or a CSR matrix (and optional
    labels): the bytes the sagemaker SDK's writers produce, as a uint8 array (write it as is). By
    the compiled encoder when it was built and takes the block, else with numpy."""
    encoded = encode_compiled(features, labels)
    return encoded if encoded is not None else encode_numpy(features, labels)


# the element kinds the compiled encoder takes (its KIND_* codes)
_COMPILED_KINDS = {np.dtype("=f4"): 1, np.dtype("=f8"): 2, np.dtype("=i4"): 3, np.dtype("=i8"): 4}


def _compiled_kind(array):
    kind = _COMPILED_KINDS.get(array.dtype)
    return kind if kind is not None and array.dtype.isnative and sys.byteorder == "little" else None


def encode_compiled(features, labels=None) -> np.ndarray | None:
    """``encode`` by the compiled module (``_wire_c.c``); None when it was not built or does not
    take the block (other dtypes, int64 values outside int32, negative keys, ...)."""
    if (_compiled_encode is None or features.ndim != 2 or features.shape[0] == 0
            or features.shape[1] >= 2**63):
        return None
    if issparse(features):
        csr = features.tocsr()
        values, keys, indptr = csr.data, csr.indices, csr.indptr
        if _compiled_kind(keys) is None or _compiled_kind(indptr) is None:
            return None
        keys, indptr = np.ascontiguousarray(keys), np.ascontiguousarray(indptr)
        key_size, indptr_size = keys.itemsize, indptr.itemsize
    else:
        values, keys, indptr, key_size, indptr_size = features, None, None, 0, 0
    kind = _compiled_kind(values)
    label_kind = 0
    if labels is not None:
        labels = np.asarray(labels)
        label_kind = _compiled_kind(labels)
        if labels.ndim != 1 or len(labels) != features.shape[0]:
            return None
    if kind is None or label_kind is None:
        return None
    out = _compiled_encode(np.ascontiguousarray(values), kind, keys, key_size, indptr, indptr_size,
                           features.shape[0], features.shape[1],
                           None if labels is None else np.ascontiguousarray(labels), label_kind)
    return None if out is None else np.frombuffer(out, dtype=np.uint8)


def encode_numpy(features, labels=None) -> np.ndarray:
    """``encode`` with numpy alone."""
    n = features.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.uint8)
    kind = tensor_dtype(features.dtype)[0]
    if issparse(features):
        csr = features.tocsr()
        counts = np.diff(csr.indptr).astype(np.int64)
        flat_values = csr.data[csr.indptr[0]:csr.indptr[-1]]
        keys = csr.indices[csr.indptr[0]:csr.indptr[-1]]
        width = csr.shape[1]
    else:
        counts = np.full(n, features.shape[1], dtype=np.int64)
        flat_values, keys, width = features, None, None
    value_lengths = _packed_lengths(kind, flat_values, counts)
    value = _value_message(n, kind, _values_bytes(kind, flat_values), value_lengths,
                           keys, counts if keys is not None else None, width)
    record = _Pieces(n)
    _map_entry(record, 0x0A, value)
    if labels is not None:
        label_kind = tensor_dtype(labels.dtype)[0]
        ones = np.ones(n, dtype=np.int64)
        label_lengths = _packed_lengths(label_kind, labels, ones)
        label_value = _value_message(n, label_kind, _values_bytes(label_kind, labels), label_lengths,
                                     bulk=False)  # one value a record: a small piece
        _map_entry(record, 0x12, label_value)
    return record.join()


def _map_entry(record: _Pieces, tag: int, value: _Pieces):
    value_len = value.total()
    entry_len = len(ENTRY_KEY) + _varint_size(value_len) + value_len
    record.const(bytes([tag]))
    record.varint(entry_len)
    record.const(ENTRY_KEY.tobytes())
    record.varint(value_len)
    record.pieces.extend(value.pieces)
