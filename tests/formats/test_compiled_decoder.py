"""The compiled decoder (smemu/formats/_wire_c.c) against the numpy decoder (wire.py) and the
generated protobuf module: the same arrays for every record layout they take, the same refusals,
on valid records, on unusual ones and on damaged ones; and reads cut at batch boundaries."""

import io
import os

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smemu.formats import FormatError, read_recordio_protobuf, records, wire, write_recordio_protobuf
from smemu.formats.recordio import frame, iter_frames
from smemu.proto import record_pb2

FIELDS = ("sparse", "widths", "counts", "values", "label_counts", "labels")


@pytest.fixture(scope="module", autouse=True)
def compiled():
    if wire._wire_c is None:
        message = ("smemu.formats._wire_c is not built: `pip install -e .` builds it where gcc and "
                   "the Python headers are installed (Debian: apt-get install gcc python3-dev)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def blocks(payloads, block_size=1 << 20):
    data = b"".join(frame(p) for p in payloads)
    return list(iter_frames(io.BytesIO(data), block_size=block_size))


def same(a, b):
    """Two Decoded equal field by field (keys as integers: either may be narrower)."""
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), name
    assert a.keys.dtype.kind in "iu" and b.keys.dtype.kind in "iu"
    assert np.array_equal(a.keys.astype(np.uint64), b.keys.astype(np.uint64)), "keys"


def agree(payloads, block_size=1 << 20):
    """Decodes each block with both decoders and checks they agree; returns what each said."""
    said = []
    for frames in blocks(payloads, block_size):
        fast, slow = wire.decode_compiled(frames), wire.decode_numpy(frames)
        if fast is not None:
            assert slow is not None, "the compiled decoder took records numpy refuses"
            same(fast, slow)
        elif slow is not None:  # it declines only what int32 keys or int64 widths cannot hold
            assert (len(slow.keys) and int(slow.keys.max()) >= 2**31) or (slow.widths < 0).any()
        said.append((fast, slow))
    return said


def fill(value, kind, values, keys, shape):
    t = getattr(value, kind)
    t.values.extend(values)
    if keys is not None:
        t.keys.extend(keys)
    if shape is not None:
        t.shape.extend(shape)


def record(features=None, label=None, kind="float32_tensor", label_kind="float32_tensor",
           keys=None, shape=None, label_keys=None, label_shape=None, extra=None):
    r = record_pb2.Record()
    if features is not None:
        fill(r.features["values"], kind, features, keys, shape)
    if label is not None:
        fill(r.label["values"], label_kind, label, label_keys, label_shape)
    if extra:
        extra(r)
    return r.SerializeToString()


def test_dense_and_sparse_sdk_layouts_decode_alike_and_like_protobuf():
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(300, 7)).astype(np.float32)
    x = sp.random(300, 20000, density=0.002, format="csr", random_state=2, dtype=np.float64)
    for features, labels in ((dense, rng.integers(0, 3, 300).astype(np.float32)), (dense, None),
                             (x, rng.normal(size=300)), (x, None),
                             (dense.astype(np.int32) * -7, np.arange(300, dtype=np.int32) - 150)):
        out = io.BytesIO()
        write_recordio_protobuf(out, features, labels)
        payloads = [p for f in iter_frames(io.BytesIO(out.getvalue()))
                    for p in (f.payload(i) for i in range(len(f)))]
        for fast, slow in agree(payloads, block_size=4096):
            assert fast is not None
        for frames in blocks(payloads):
            same(wire.decode_compiled(frames), records.decode_with_protobuf(frames))


UNUSUAL = {
    # both take these
    "negative int32 values (ten-byte varints)": ([record([-1, -2**31, 2**31 - 1, 0], [-5],
                                                         kind="int32_tensor",
                                                         label_kind="int32_tensor")] * 3, True),
    "int32 sparse tensor": ([record([4, -4], [1], kind="int32_tensor", keys=[3, 9], shape=[10])],
                            True),
    "float64 features, int32 labels": ([record([1.5, 2.5], [7], kind="float64_tensor",
                                               label_kind="int32_tensor")] * 2, True),
    "labels with keys and shape (ignored)": ([record([1.0], [2.0], label_keys=[0],
                                                     label_shape=[1])], True),
    "dense record with an n-d shape": ([record([1.0] * 6, shape=[2, 3])], True),
    "sparse record with no values (an empty row)": ([record([], keys=[], shape=[50]),
                                                     record([1.0], keys=[49], shape=[50])], True),
    "keys of one, two, three and five bytes": ([record([1.0] * 6, keys=[0, 127, 128, 16383, 16384,
                                                                       2**31 - 1],
                                                       shape=[2**31])], True),
    "some records labelled, some not": ([record([1.0], [1.0]), record([2.0])], True),
    "no label, several features": ([record([1.0, 2.0, 3.0])] * 4, True),
    # numpy takes, the compiled decoder declines (then numpy decodes them)
    "keys of 2**31 and more": ([record([1.0, 2.0], keys=[5, 2**31], shape=[2**40])], True),
    # neither takes these (the generated module decodes them or words the error)
    "float32 then float64 features": ([record([1.0]), record([1.0], kind="float64_tensor")], False),
    "float32 then int32 labels": ([record([1.0], [1.0]), record([1.0], [1],
                                                               label_kind="int32_tensor")], False),
    "another feature key": ([record([1.0], extra=lambda r: r.features["other"].float32_tensor
                                     .values.append(1.0))], False),
    "a uid": ([record([1.0], extra=lambda r: setattr(r, "uid", "a"))], False),
    "more keys than values": ([record([1.0], keys=[1, 2], shape=[5])], False),
    "a sparse shape of two dimensions": ([record([1.0], keys=[1], shape=[5, 5])], False),
    "keys but no shape": ([record([1.0], keys=[1])], False),
    "no features": ([record(None, [1.0])], False),
    "Bytes features": ([record(extra=lambda r: r.features["values"].bytes.value.append(
                                                        b"xy"))], False),
}


@pytest.mark.parametrize("case", sorted(UNUSUAL))
def test_unusual_layouts_decode_alike_or_go_to_the_generated_module(case):
    payloads, taken = UNUSUAL[case]
    ((fast, slow),) = agree(payloads)
    assert (slow is not None) == taken
    if slow is not None:
        (frames,) = blocks(payloads)
        same(slow, records.decode_with_protobuf(frames))


@st.composite
def damaged(draw):
    """A block of small records, one or more of them damaged: bytes changed, inserted or cut."""
    n = draw(st.integers(1, 6))
    sparse = draw(st.booleans())
    kind = draw(st.sampled_from(["float32_tensor", "float64_tensor", "int32_tensor"]))
    payloads = []
    for i in range(n):
        k = draw(st.integers(0 if sparse else 1, 4))
        values = [float(i + j) for j in range(k)] if kind != "int32_tensor" else list(range(-k, 0))
        keys = sorted(draw(st.sets(st.integers(0, 20000), min_size=k, max_size=k))) if sparse else None
        labelled = draw(st.booleans())
        payloads.append(bytearray(record(values, [1.0] if labelled else None, kind=kind,
                                         keys=keys, shape=[20001] if sparse else None)))
    for _ in range(draw(st.integers(1, 3))):
        p = payloads[draw(st.integers(0, n - 1))]
        at = draw(st.integers(0, len(p)))
        how = draw(st.sampled_from(["set", "insert", "cut"]))
        byte = draw(st.sampled_from([0x00, 0x01, 0x06, 0x0A, 0x12, 0x1A, 0x3A, 0x7F, 0x80, 0xFF,
                                     draw(st.integers(0, 255))]))
        if how == "set" and at < len(p):
            p[at] = byte
        elif how == "insert":
            p.insert(at, byte)
        elif at < len(p) and len(p) > 1:
            del p[at]
    return [bytes(p) for p in payloads]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_records_decode_alike_or_are_declined_by_both(payloads):
    for fast, slow in agree(payloads):
        if fast is not None:  # what both take, the generated module reads the same way
            (frames,) = blocks(payloads)
            try:
                reference = records.decode_with_protobuf(frames)
            except FormatError:
                continue  # bytes protobuf refuses but the layout rules accept (e.g. a bad uid)
            for name in ("sparse", "counts", "values", "label_counts", "labels"):
                assert getattr(fast, name).tobytes() == getattr(reference, name).tobytes(), name


def test_bad_spans_are_declined_not_read():
    (frames,) = blocks([record([1.0, 2.0], [1.0])] * 2)
    c = wire._wire_c
    starts = np.ascontiguousarray(frames.starts, dtype=np.int64)
    lengths = np.ascontiguousarray(frames.lengths, dtype=np.int64)
    assert c.decode(frames.buf, starts, lengths) is not None
    assert c.decode(frames.buf, starts, lengths + 10**9) is None          # past the buffer
    assert c.decode(frames.buf, starts - 10**9, lengths) is None          # before it
    assert c.decode(frames.buf, starts, lengths[:1]) is None              # arrays disagree
    assert c.decode(frames.buf, starts[:0], lengths[:0]) is None          # no records
    assert c.decode(frames.buf, starts, np.zeros_like(lengths)) is None   # empty payloads


@pytest.mark.parametrize("batch_size", [1, 63, 64, 100, 1000, 5000])
@pytest.mark.parametrize("sparse", [True, False])
def test_reads_cut_at_batch_boundaries_give_the_same_batches(batch_size, sparse):
    rng = np.random.default_rng(batch_size)
    n = 2345
    if sparse:
        x = sp.random(n, 3000, density=0.01, format="csr", random_state=3, dtype=np.float32)
    else:
        x = rng.normal(size=(n, 5)).astype(np.float32)
    labels = rng.normal(size=n).astype(np.float32)
    out = io.BytesIO()
    write_recordio_protobuf(out, x, labels)
    batches = list(read_recordio_protobuf(io.BytesIO(out.getvalue()), batch_size=batch_size,
                                          block_size=8192))
    assert [len(b) for b in batches] == [min(batch_size, n - lo) for lo in range(0, n, batch_size)]
    assert [b.first_record for b in batches] == list(range(0, n, batch_size))
    got = sp.vstack([b.features for b in batches]).toarray() if sparse else \
        np.concatenate([b.features for b in batches])
    assert np.array_equal(got, x.toarray() if sparse else x)
    assert np.array_equal(np.concatenate([b.labels for b in batches]), labels)
    offsets = np.concatenate([b.offsets for b in batches])
    assert offsets[0] == 0 and (np.diff(offsets) > 0).all()


@pytest.mark.parametrize("sparse", [True, False])
def test_a_bad_record_inside_a_batch_is_reported_and_the_rest_read(sparse):
    x = np.arange(500 * 3, dtype=np.float32).reshape(500, 3)
    if sparse:
        x = sp.csr_matrix(x)
    payloads = records.encode_with_protobuf(x)
    # a record of another width, past the first block (where sparse blocks are cut into batches)
    payloads[350] = record([1.0], keys=[0], shape=[2]) if sparse else record([1.0, 2.0])
    data = b"".join(frame(p) for p in payloads)
    errors = []
    batches = list(read_recordio_protobuf(io.BytesIO(data), batch_size=100, block_size=4096,
                                          on_error=errors.append))
    assert [e.record for e in errors] == [350]
    got = [b.features.toarray() if sparse else b.features for b in batches]
    expected = np.delete(x.toarray() if sparse else x, 350, axis=0)
    assert np.array_equal(np.concatenate(got), expected)
    assert all(len(b) <= 100 for b in batches)
    assert [b.first_record for b in batches][:4] == [0, 100, 200, 300]


@pytest.mark.parametrize("where", [0, 3, 8, 13, 40, 97, 99])
def test_a_key_outside_the_shape_is_found_wherever_it_sits_in_the_record(where):
    """The reader trusts the compiled decoder's largest key when every record agrees: that
    maximum must see every key, whichever of the decoder's paths (sixteen bytes of eight two-byte
    keys, eight bytes of four, one key at a time) decoded it."""
    rng = np.random.default_rng(where)
    width = 5000
    payloads = []
    for row in range(30):
        keys = np.sort(rng.choice(np.arange(1, width), size=100, replace=False))
        keys[:5] = np.arange(5)                 # one-byte keys first: the paths change
        if row == 17:
            keys[where] = width + 1000          # a two-byte key, outside [0, width)
        payloads.append(record(rng.normal(size=100).tolist(), [1.0], keys=keys.tolist(),
                               shape=[width]))
    data = b"".join(frame(p) for p in payloads)
    for frames in blocks(payloads):
        decoded = wire.decode_compiled(frames)
        assert decoded.key_max == int(decoded.keys.max()) == width + 1000
    with pytest.raises(FormatError, match=f"has key {width + 1000}, outside its shape"):
        list(read_recordio_protobuf(io.BytesIO(data), batch_size=10))


def test_the_largest_key_and_agreement_match_the_arrays():
    x = sp.random(200, 20000, density=0.01, format="csr", random_state=4, dtype=np.float32)
    out = io.BytesIO()
    write_recordio_protobuf(out, x, np.zeros(200, np.float32))
    payloads = [f.payload(i) for f in iter_frames(io.BytesIO(out.getvalue()))
                for i in range(len(f))]
    for frames in blocks(payloads):
        decoded = wire.decode_compiled(frames)
        assert decoded.uniform and decoded.key_max == int(decoded.keys.max())
    # a record of another width in the block: not uniform, and the reader's scans name it
    payloads[150] = record([1.0], [0.0], keys=[3], shape=[19999])
    (frames,) = blocks(payloads)
    assert not wire.decode_compiled(frames).uniform
    data = b"".join(frame(p) for p in payloads)
    with pytest.raises(FormatError, match="has 19999 features but the records before it have 20000"):
        list(read_recordio_protobuf(io.BytesIO(data), batch_size=1000))
