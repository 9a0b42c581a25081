"""A vectorised decoder of the common aialgs.data Record layouts, straight on the protobuf wire
format with numpy: every step works on all records of a block at once, so there is no Python work
per record. (Its encoder, for the same layouts, is :mod:`smemu.formats.wire_encode`.)

The layout it takes is what the sagemaker SDK writes (and SageMaker's algorithms emit): a Record
with ``features["values"]`` and optionally ``label["values"]``, each a Float32, Float64 or Int32
tensor with packed values, and keys + shape when sparse. For anything else (other fields, other
keys, unpacked encodings, odd tensors, damaged bytes) ``decode`` returns None and the caller uses
the generated protobuf module, which is also what words the errors. tests/formats prove the two
agree.

Decoding has a compiled twin, ``_wire_c.c`` (built by setup.py where a C compiler is found): the
same rules in one pass of C per block, for sparse records, whose per-record spans cost numpy a
Python-level join. ``decode`` uses it when it is built; tests/formats/test_compiled_decoder.py
proves both decoders give the same arrays and refuse the same records.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .records import Decoded

try:  # built by setup.py where a C compiler is found; optional
    from . import _wire_c
except ImportError:
    _wire_c = None

# Value's oneof field tags (field << 3 | wire type 2) -> tensor kind
TENSOR_TAGS = {0x12: "float32_tensor", 0x1A: "float64_tensor", 0x3A: "int32_tensor"}
KIND_TAGS = {kind: tag for tag, kind in TENSOR_TAGS.items()}   # for the encoder
FIXED_SIZE = {"float32_tensor": 4, "float64_tensor": 8}
DTYPES = {"float32_tensor": np.dtype("<f4"), "float64_tensor": np.dtype("<f8"),
          "int32_tensor": np.dtype(np.int32)}
ENTRY_KEY = np.frombuffer(b"\x0a\x06values\x12", dtype=np.uint8)  # map entry key "values", value tag


class _Unusual(Exception):
    """The records are not in the layout this codec takes."""


def _need(condition) -> None:
    if not np.all(condition):
        raise _Unusual


def _varint(buf, pos, width=5):
    """Decodes one varint (at most ``width`` bytes) at each position; returns (values, new pos)."""
    b = buf[pos]
    more = b >= 0x80
    if not more.any():
        return b.astype(np.int64), pos + 1
    values = (b & 0x7F).astype(np.int64)
    size = np.ones(len(pos), dtype=np.int64)
    for j in range(1, width):
        b = buf[pos + j]
        values |= np.where(more, (b & 0x7F).astype(np.int64) << (7 * j), 0)
        size += more
        more &= b >= 0x80
        if not more.any():
            return values, pos + size
    raise _Unusual


def concat_ranges(starts, lengths):
    """Indices of ``starts[i] .. starts[i] + lengths[i]``, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    before = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) + np.repeat(starts - before, lengths)


def _gather(buf, starts, lengths, pad=0):
    """The bytes of the spans (ascending, not overlapping), concatenated, then ``pad`` zero bytes:
    a strided copy when they are evenly spaced and of one length (dense records), one fancy index
    when they are short and of one length (labels), else one join of memoryview slices, whose
    cost goes with the number of spans, not with the bytes between them."""
    if not lengths.all():
        present = lengths > 0
        starts, lengths = starts[present], lengths[present]
    n = len(starts)
    if n == 0:
        return np.zeros(pad, dtype=np.uint8)
    length = int(lengths[0])
    if (lengths == length).all():
        step = int(starts[1] - starts[0]) if n > 1 else 0
        if n > 1 and step > 0 and (np.diff(starts) == step).all() and not pad:
            view = as_strided(buf[int(starts[0]):], shape=(n, length), strides=(step, 1))
            return np.ascontiguousarray(view).reshape(-1)
        if length <= 16 and not pad:
            return buf[starts[:, None] + np.arange(length)].reshape(-1)
    _need(starts[1:] >= starts[:-1] + lengths[:-1])
    view = memoryview(buf)
    ends = starts + lengths
    spans = map(view.__getitem__, map(slice, starts.tolist(), ends.tolist()))
    joined = bytearray().join(spans)
    if pad:
        joined += bytes(pad)
    return np.frombuffer(joined, dtype=np.uint8)


def _packed_varints(buf, starts, lengths):
    """Decodes packed varint fields; returns (uint64 values flat, count per span)."""
    n = len(starts)
    if n and (lengths > 0).all() and (lengths <= 10).all():  # one varint per span? (shapes)
        one, end = _varint(buf, starts, width=10) if (lengths > 5).any() else _varint(buf, starts)
        if (end == starts + lengths).all():
            return one.astype(np.uint64), np.ones(n, dtype=np.int64)
    b = _gather(buf, starts, lengths)
    if len(b) == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(n, dtype=np.int64)
    term = b < 0x80
    span_end = np.cumsum(lengths)
    nonempty = lengths > 0
    _need(term[span_end[nonempty] - 1])  # every span ends on a whole varint
    so_far = np.zeros(len(b) + 1, dtype=np.int32 if len(b) < 2**31 else np.int64)
    np.cumsum(term, out=so_far[1:])
    counts = (so_far[span_end] - so_far[span_end - lengths]).astype(np.int64)
    if term.all():
        return b.astype(np.uint64), counts
    cont = ~term
    if not (cont[1:] & cont[:-1]).any():  # at most 2 bytes each (values < 16384): 16-bit work
        wide = b.astype(np.uint16)
        joined = (wide[1:] << 7) | (wide[:-1] & 0x7F)
        value = np.where(cont[:-1], joined, wide[1:])
        return np.compress(term, np.concatenate([b[:1], value])).astype(np.uint64), counts
    last = np.flatnonzero(term)
    first = np.empty_like(last)
    first[0] = 0
    first[1:] = last[:-1] + 1
    sizes = last - first + 1
    longest = int(sizes.max())
    _need(longest <= 10)
    values = (b[first] & 0x7F).astype(np.uint64)
    for j in range(1, longest):
        more = np.flatnonzero(sizes > j)
        values[more] |= (b[first[more] + j] & 0x7F).astype(np.uint64) << np.uint64(7 * j)
    return values, counts


def _tensor_values(buf, kind, starts, lengths):
    """(flat values, count per record) of the tensors' packed ``values`` spans."""
    if kind in FIXED_SIZE:
        size = FIXED_SIZE[kind]
        _need(lengths % size == 0)
        return _gather(buf, starts, lengths).view(DTYPES[kind]), lengths // size
    values, counts = _packed_varints(buf, starts, lengths)
    return values.view(np.int64).astype(np.int32), counts


def _counted_varints(buf, starts, lengths, expected):
    """Decodes packed varint fields known to hold ``expected[i]`` varints each (sparse keys, as
    many as the values): (int values flat, counts). One vectorised pass when every varint has one
    or two bytes (keys below 16384); otherwise, or when a count differs, the general decoder."""
    total = int(expected.sum())
    b = _gather(buf, starts, lengths, pad=1)
    size = len(b) - 1
    if size == total:  # one byte each
        body = b[:size]
        if total == 0:
            return np.zeros(0, dtype=np.uint64), expected
        if int(body.max()) < 0x80 and (expected == lengths).all():
            return body.astype(np.int32), expected
        return _packed_varints(buf, starts, lengths)
    term = b < 0x80
    term[size] = True
    cont = ~term
    if not term[np.cumsum(lengths[lengths > 0]) - 1].all() or (cont[1:] & cont[:-1]).any():
        return _packed_varints(buf, starts, lengths)
    nonempty = lengths > 0
    span_starts = (np.cumsum(lengths) - lengths)[nonempty]
    conts = np.add.reduceat(cont[:size].view(np.uint8), span_starts, dtype=np.int32)
    counts = np.zeros(len(lengths), dtype=np.int64)
    counts[nonempty] = lengths[nonempty] - conts
    if not (counts == expected).all():
        return _packed_varints(buf, starts, lengths)
    first = np.empty(size, dtype=bool)  # where each varint starts: after a terminator
    first[0] = True
    first[1:] = term[:size - 1]
    pairs = np.ndarray((size,), dtype="<u2", buffer=b, strides=(1,))  # bytes i and i + 1
    p = np.compress(first, np.ascontiguousarray(pairs))  # (np.compress: far faster than p[mask])
    high = (p >> 8) << 7
    high *= (p >> 7) & 1  # the second byte counts only after a continuation bit
    value = (p & 0x7F).astype(np.int32)
    value |= high
    return value, counts


def _entry(buf, pos, limit):
    """Parses map entries ``{key: "values", value: Value{<tensor>}}`` at ``pos`` ending at
    ``limit``; returns (kind, spans of values, keys and shape as (start, length) pairs)."""
    n = len(pos)
    _need(pos + 9 <= limit)
    _need(buf[pos[:, None] + np.arange(len(ENTRY_KEY))] == ENTRY_KEY)
    pos = pos + len(ENTRY_KEY)
    length, pos = _varint(buf, pos)
    _need(pos + length == limit)
    _need(pos < limit)
    tag = int(buf[pos[0]])
    _need(buf[pos] == tag)
    if tag not in TENSOR_TAGS:
        raise _Unusual
    length, pos = _varint(buf, pos + 1)
    _need(pos + length == limit)
    spans = []
    for field in (0x0A, 0x12, 0x1A):  # values, keys, shape, in field order
        has = (pos < limit) & (buf[pos] == field)
        start = np.zeros(n, dtype=np.int64)
        size = np.zeros(n, dtype=np.int64)
        if has.any():
            idx = np.flatnonzero(has)
            size_h, start_h = _varint(buf, pos[idx] + 1)
            _need(start_h + size_h <= limit[idx])
            start[idx], size[idx] = start_h, size_h
            pos = pos.copy()
            pos[idx] = start_h + size_h
        spans.append((start, size))
    _need(pos == limit)
    return TENSOR_TAGS[tag], spans


def decode(frames) -> Decoded | None:
    """The records of ``frames`` decoded, or None when they are not all in the common layout:
    by the compiled decoder when it was built, else (or when it declines) with numpy."""
    decoded = decode_compiled(frames)
    return decoded if decoded is not None else decode_numpy(frames)


def decode_numpy(frames) -> Decoded | None:
    """``decode`` with numpy alone."""
    if len(frames) == 0:
        return None
    try:
        return _decode(frames.buf, frames.starts.astype(np.int64), frames.lengths.astype(np.int64))
    except _Unusual:
        return None


def decode_compiled(frames) -> Decoded | None:
    """``decode`` by the compiled module (``_wire_c.c``, the same rules in one pass of C per
    block); None when it was not built, or when it declines the records (it takes what
    ``decode_numpy`` takes, or less)."""
    if _wire_c is None or len(frames) == 0:
        return None
    out = _wire_c.decode(frames.buf, np.ascontiguousarray(frames.starts, dtype=np.int64),
                         np.ascontiguousarray(frames.lengths, dtype=np.int64))
    if out is None:
        return None
    tag, label_tag, sparse, widths, counts, values, keys, label_counts, labels, uniform, key_max = out
    return Decoded(np.frombuffer(sparse, dtype=bool), np.frombuffer(widths, dtype=np.int64),
                   np.frombuffer(counts, dtype=np.int64),
                   np.frombuffer(values, dtype=DTYPES[TENSOR_TAGS[tag]]),
                   np.frombuffer(keys, dtype=np.int32), np.frombuffer(label_counts, dtype=np.int64),
                   np.frombuffer(labels, dtype=DTYPES[TENSOR_TAGS[label_tag]] if label_tag
                                 else np.float32),
                   uniform=bool(uniform), key_max=key_max)


def _decode(buf, starts, lengths):
    n = len(starts)
    ends = starts + lengths
    _need(lengths > 0)
    _need(buf[starts] == 0x0A)
    length, pos = _varint(buf, starts + 1)
    entry_end = pos + length
    _need(entry_end <= ends)
    kind, ((vs, vl), (ks, kl), (ss, sl)) = _entry(buf, pos, entry_end)
    values, counts = _tensor_values(buf, kind, vs, vl)
    if kind in FIXED_SIZE:  # sparse rows have as many keys as values
        keys, key_counts = _counted_varints(buf, ks, kl, np.where(kl > 0, counts, 0))
    else:
        keys, key_counts = _packed_varints(buf, ks, kl)
    shapes, shape_counts = _packed_varints(buf, ss, sl)
    sparse = (key_counts > 0) | ((shape_counts > 0) & (counts == 0))
    widths = counts.copy()
    if sparse.any():
        _need(shape_counts[sparse] == 1)  # others (no shape, n-d shapes) take the slow path
        _need(key_counts[sparse] == counts[sparse])
        shape_of = np.zeros(n, dtype=np.int64)
        shape_of[shape_counts > 0] = shapes.astype(np.int64)[np.cumsum(shape_counts)[shape_counts > 0] - 1]
        widths[sparse] = shape_of[sparse]
        if not sparse.all():  # keys of dense records (none in practice) are not features' keys
            _need(key_counts[~sparse] == 0)

    label_counts = np.zeros(n, dtype=np.int64)
    labels = np.zeros(0, dtype=np.float32)
    pos = entry_end
    has = pos < ends
    if has.any():
        idx = np.flatnonzero(has)
        _need(buf[pos[idx]] == 0x12)
        length, p = _varint(buf, pos[idx] + 1)
        _need(p + length == ends[idx])
        label_kind, ((lvs, lvl), _, _) = _entry(buf, p, ends[idx])
        labels, counts_h = _tensor_values(buf, label_kind, lvs, lvl)
        label_counts[idx] = counts_h
    return Decoded(sparse, widths, counts, values, keys, label_counts, labels)
