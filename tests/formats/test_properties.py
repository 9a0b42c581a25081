"""Property-based tests: round trips of random shapes, dtypes, sparsity and multi-part records; the
vectorised codec against the generated protobuf module; damaged files give FormatError."""

import io

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from smemu.formats import (FormatError, read_csv, read_recordio, read_recordio_protobuf,
                           write_recordio, write_recordio_protobuf)
from smemu.formats import records, wire
from smemu.formats.recordio import MAGIC_BYTES, frame, iter_frames

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DTYPES = [np.float32, np.float64, np.int32, np.int64]
MAGIC_F32 = np.frombuffer(MAGIC_BYTES, dtype="<f4")[0]


def elements(dtype):
    if np.dtype(dtype).kind == "f":
        return st.floats(width=np.dtype(dtype).itemsize * 8, allow_nan=False)
    return st.integers(-2**31, 2**31 - 1)


@st.composite
def dense_data(draw):
    n = draw(st.integers(1, 40))
    d = draw(st.integers(1, 12))
    dtype = draw(st.sampled_from(DTYPES))
    x = draw(hnp.arrays(dtype, (n, d), elements=elements(dtype)))
    if dtype == np.float32 and draw(st.booleans()):
        x.flat[draw(st.integers(0, x.size - 1))] = MAGIC_F32  # the magic number inside a payload
    labels = None
    if draw(st.booleans()):
        ldtype = draw(st.sampled_from(DTYPES))
        labels = draw(hnp.arrays(ldtype, n, elements=elements(ldtype)))
    return x, labels


@st.composite
def sparse_data(draw):
    n = draw(st.integers(1, 40))
    d = draw(st.sampled_from([1, 7, 127, 128, 16383, 16384, 2**21 + 5, 2**35]))
    dtype = draw(st.sampled_from(DTYPES))
    density = draw(st.sampled_from([0.0, 0.01, 0.3, 1.0]))
    nnz_per_row = [min(d, draw(st.integers(0, max(0, int(3 + density * 10))))) for _ in range(n)]
    indptr = np.concatenate([[0], np.cumsum(nnz_per_row)])
    cols = [np.sort(np.random.default_rng(i).choice(min(d, 10**6), size=k, replace=False))
            * (d // min(d, 10**6)) for i, k in enumerate(nnz_per_row)]
    indices = np.concatenate(cols).astype(np.int64) if cols else np.zeros(0, np.int64)
    data = draw(hnp.arrays(dtype, int(indptr[-1]), elements=elements(dtype)))
    x = sp.csr_matrix((data, indices, indptr), shape=(n, d))
    labels = draw(st.none() | hnp.arrays(np.float32, n, elements=elements(np.float32)))
    return x, labels


def expected_dtype(dtype):
    return np.dtype(np.int32) if np.dtype(dtype).kind in "iu" else np.dtype(dtype)


def read_back(data, batch_size, block_size=None):
    kw = {"block_size": block_size} if block_size else {}
    batches = list(read_recordio_protobuf(io.BytesIO(data), batch_size=batch_size, **kw))
    return batches


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def same_keys(a, b):
    """Keys are integers; the vectorised decoder may give them in a narrower dtype (int32)."""
    return a.dtype.kind in "iu" and a.shape == b.shape and np.array_equal(a.astype(b.dtype), b)


def assert_decoders_agree(data):
    """Both vectorised decoders (numpy, and compiled when built) read what the SDK's layout holds
    as the generated module does; the compiled one leaves keys of 2**31 and more to numpy."""
    for frames in iter_frames(io.BytesIO(data)):
        reference = records.decode_with_protobuf(frames)
        decoded = [wire.decode_numpy(frames)]
        if wire._wire_c is not None:
            compiled = wire.decode_compiled(frames)
            if compiled is not None or not len(reference.keys) or reference.keys.max() < 2**31:
                decoded.append(compiled)
        for fast in decoded:
            assert fast is not None
            for field in ("sparse", "widths", "counts", "values", "label_counts", "labels"):
                assert same_bits(getattr(fast, field), getattr(reference, field)), field
            assert same_keys(fast.keys, reference.keys)


@SETTINGS
@given(dense_data(), st.integers(1, 50), st.sampled_from([None, 64, 100, 1000]))
def test_dense_round_trip(case, batch_size, block_size):
    x, labels = case
    out = io.BytesIO()
    write_recordio_protobuf(out, x, labels)
    data = out.getvalue()
    reference = b"".join(frame(p) for p in records.encode_with_protobuf(x, labels))
    assert data == reference  # the vectorised writer writes what the generated module writes
    assert_decoders_agree(data)
    batches = read_back(data, batch_size, block_size)
    assert sum(len(b) for b in batches) == len(x)
    assert all(len(b) == batch_size for b in batches[:-1])
    got = np.concatenate([b.features for b in batches])
    assert same_bits(got, x.astype(expected_dtype(x.dtype)))
    if labels is None:
        assert all(b.labels is None for b in batches)
    else:
        got_labels = np.concatenate([b.labels for b in batches])
        assert same_bits(got_labels, labels.astype(expected_dtype(labels.dtype)))


@SETTINGS
@given(sparse_data(), st.integers(1, 50))
def test_sparse_round_trip(case, batch_size):
    x, labels = case
    out = io.BytesIO()
    write_recordio_protobuf(out, x, labels)
    data = out.getvalue()
    assert data == b"".join(frame(p) for p in records.encode_with_protobuf(x, labels))
    assert_decoders_agree(data)
    batches = read_back(data, batch_size)
    got = sp.vstack([b.features for b in batches], format="csr")
    assert got.shape == x.shape and got.dtype == expected_dtype(x.dtype)
    assert np.array_equal(got.indptr, x.indptr) and np.array_equal(got.indices, x.indices)
    assert same_bits(got.data, x.data.astype(expected_dtype(x.dtype)))
    if labels is not None:
        assert same_bits(np.concatenate([b.labels for b in batches]), labels)


@SETTINGS
@given(dense_data(), st.sampled_from([8, 12, 64, 4096]))
def test_multi_part_records_round_trip(case, block_size):
    """dmlc-core splits a record where its payload holds the magic number; reading joins it."""
    x, labels = case
    payloads = records.encode_with_protobuf(x, labels)
    out = io.BytesIO()
    write_recordio(out, payloads, split_magic=True)
    batches = read_back(out.getvalue(), 7, block_size)
    got = np.concatenate([b.features for b in batches])
    assert same_bits(got, x.astype(expected_dtype(x.dtype)))
    assert [p for p, _ in read_recordio(io.BytesIO(out.getvalue()))] == payloads


@SETTINGS
@given(st.lists(st.binary(max_size=40).map(lambda b: b + MAGIC_BYTES * (len(b) % 3)), max_size=12),
       st.integers(4, 64))
def test_framing_round_trip_any_payloads(payloads, block_size):
    for split in (False, True):
        out = io.BytesIO()
        write_recordio(out, payloads, split_magic=split)
        got = [frames.payload(i) for frames in iter_frames(io.BytesIO(out.getvalue()), block_size=block_size)
               for i in range(len(frames))]
        assert got == payloads


def _sample_file():
    rng = np.random.default_rng(5)
    out = io.BytesIO()
    write_recordio_protobuf(out, rng.normal(size=(30, 5)).astype(np.float32),
                            rng.normal(size=30).astype(np.float32))
    return out.getvalue()


SAMPLE = _sample_file()


def read_or_error(data):
    try:
        for batch in read_recordio_protobuf(io.BytesIO(data), batch_size=8, name="x.pbr",
                                            block_size=64):
            assert batch.features.shape[0] == len(batch)
    except FormatError as e:
        assert e.offset is not None and e.record is not None and e.source == "x.pbr"
        assert str(e).startswith("Record ") and "x.pbr" in str(e)
        return e
    return None


@SETTINGS
@given(st.integers(0, len(SAMPLE) - 1))
def test_truncated_file_is_a_format_error(cut):
    record_size = len(SAMPLE) // 30  # the sample's records are all the same size
    e = read_or_error(SAMPLE[:cut])
    if cut % record_size:
        assert e is not None and e.record == cut // record_size
        assert e.offset == e.record * record_size
    else:
        assert e is None


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), min_size=1,
                max_size=6))
def test_corrupted_bytes_never_crash(edits):
    data = bytearray(SAMPLE)
    for pos, value in edits:
        data[pos] = value
    read_or_error(bytes(data))


@SETTINGS
@given(st.binary(min_size=1, max_size=200))
def test_garbage_payloads(payload):
    read_or_error(frame(payload) + frame(payload[::-1]))


def test_length_past_end_and_wrong_magic():
    bad = bytearray(SAMPLE)
    bad[4:8] = (10**6).to_bytes(4, "little")
    e = read_or_error(bytes(bad))
    assert e.record == 0 and e.offset == 0 and "1000000" in str(e)
    bad = bytearray(SAMPLE)
    bad[0] ^= 1
    e = read_or_error(bytes(bad))
    assert e.record == 0 and "magic" in str(e)


@SETTINGS
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=2, max_side=20),
                  elements=st.floats(width=32, allow_nan=False, allow_infinity=False)),
       st.sampled_from([0, 1]))
def test_csv_round_trip(x, label_size):
    if x.shape[1] <= label_size:
        return
    text = "\n".join(",".join(repr(float(v)) for v in row) for row in x).encode()
    batches = list(read_csv(io.BytesIO(text), label_size=label_size, batch_size=7))
    got = np.concatenate([b.features for b in batches])
    assert np.array_equal(got, x[:, label_size:])
    if label_size:
        assert np.array_equal(np.concatenate([b.labels for b in batches]), x[:, 0])
