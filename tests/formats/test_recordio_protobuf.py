"""RecordIO-protobuf records <-> arrays, checked against records built with the generated module."""

import io

import numpy as np
import pytest
import scipy.sparse as sp

from smemu.formats import FormatError, read_recordio_protobuf, write_recordio, write_recordio_protobuf
from smemu.formats.records import encode_with_protobuf
from smemu.proto import record_pb2


def write(features, labels=None):
    out = io.BytesIO()
    write_recordio_protobuf(out, features, labels)
    return out.getvalue()


def read_all(data, batch_size=1000, name="train.pbr"):
    batches = list(read_recordio_protobuf(io.BytesIO(data), batch_size=batch_size, name=name))
    features = [b.features for b in batches]
    features = sp.vstack(features, format="csr") if sp.issparse(features[0]) else np.concatenate(features)
    labels = None if batches[0].labels is None else np.concatenate([b.labels for b in batches])
    return batches, features, labels


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32])
@pytest.mark.parametrize("with_labels", [True, False])
def test_dense_round_trip(dtype, with_labels):
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(1234, 9)) * 100).astype(dtype)
    y = rng.integers(0, 5, 1234).astype(dtype) if with_labels else None
    batches, f, lab = read_all(write(x, y), batch_size=500)
    assert [len(b) for b in batches] == [500, 500, 234]
    assert [b.first_record for b in batches] == [0, 500, 1000]
    expected = np.int32 if np.dtype(dtype).kind == "i" else dtype
    assert f.dtype == expected and np.array_equal(f, x)
    if with_labels:
        assert lab.dtype == expected and np.array_equal(lab, y)
    else:
        assert lab is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_sparse_round_trip(dtype):
    rng = np.random.default_rng(2)
    x = sp.random(700, 300, density=0.02, format="csr", random_state=3)
    x.data = (x.data * 100).astype(dtype)
    x = x.astype(dtype)
    y = rng.normal(size=700).astype(np.float32)
    batches, f, lab = read_all(write(x, y), batch_size=256)
    assert sp.isspmatrix_csr(f) and f.shape == x.shape and (f != x).nnz == 0
    assert np.array_equal(lab, y)


def test_written_bytes_are_the_generated_modules_serialization():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    y = np.array([1.0, 0.0, 1.0])
    out = io.BytesIO()
    write_recordio(out, encode_with_protobuf(x, y))
    assert write(x, y) == out.getvalue()


def test_location_names_record_and_offset():
    x = np.zeros((10, 3), np.float32)
    batches, _, _ = read_all(write(x), batch_size=4, name="train/part-1.pbr")
    size = len(write(x[:1]))
    assert batches[1].location(2) == f"record 6 (byte offset {6 * size}) of file train/part-1.pbr"
    assert batches[1].source == "train/part-1.pbr"
    features, labels = batches[0]
    assert features.shape == (4, 3) and labels is None


def records_bytes(*records):
    out = io.BytesIO()
    write_recordio(out, [r.SerializeToString() for r in records])
    return out.getvalue()


def dense(values, label=None, kind="float32_tensor"):
    r = record_pb2.Record()
    getattr(r.features["values"], kind).values.extend(values)
    if label is not None:
        r.label["values"].float32_tensor.values.extend([label])
    return r


def error_of(data):
    with pytest.raises(FormatError) as e:
        list(read_recordio_protobuf(io.BytesIO(data), name="train.pbr"))
    return e.value


def test_different_widths_name_the_record():
    data = records_bytes(dense([1, 2]), dense([1, 2]), dense([1, 2, 3]))
    e = error_of(data)
    assert e.record == 2 and e.offset == 2 * len(records_bytes(dense([1, 2])))
    assert "3 features" in str(e)


def test_dense_mixed_with_sparse():
    r = record_pb2.Record()
    r.features["values"].float32_tensor.values.extend([1.0])
    r.features["values"].float32_tensor.keys.extend([0])
    r.features["values"].float32_tensor.shape.extend([2])
    e = error_of(records_bytes(dense([1, 2]), r))
    assert e.record == 1 and "sparse" in str(e)


def test_missing_values_key():
    r = record_pb2.Record()
    r.features["pixels"].float32_tensor.values.extend([1.0])
    e = error_of(records_bytes(dense([1.0]), r))
    assert e.record == 1 and "features['values']" in str(e) and "'pixels'" in str(e)


def test_label_on_some_records_only():
    e = error_of(records_bytes(dense([1.0], 1.0), dense([2.0])))
    assert e.record == 1 and "no label" in str(e)


def test_garbage_payload():
    good = records_bytes(dense([1.0]))
    e = error_of(good + b"\n#\xd7\xce\x04\x00\x00\x00\xff\xff\xff\xff")
    assert e.record == 1 and e.offset == len(good) and "not a valid" in str(e)


def test_sparse_key_outside_shape():
    r = record_pb2.Record()
    t = r.features["values"].float32_tensor
    t.values.extend([1.0])
    t.keys.extend([5])
    t.shape.extend([5])
    e = error_of(records_bytes(r))
    assert e.record == 0 and "key 5" in str(e)


def sparse_record(values, keys, width):
    r = record_pb2.Record()
    t = r.features["values"].float32_tensor
    t.values.extend(values)
    t.keys.extend(keys)
    t.shape.extend([width])
    return r


@pytest.mark.parametrize("width", [100, 10_000, 2**21])  # one-, two- and three-byte keys
def test_sparse_keys_not_matching_values_name_the_record(width):
    # the totals agree (5 keys, 5 values): only a per-record count finds record 2
    ks = [width - 3, width - 2, width - 1]
    good = sparse_record([1.0, 2.0], ks[:2], width)
    more_keys = sparse_record([1.0], ks[:2], width)
    fewer_keys = sparse_record([1.0, 2.0], ks[:1], width)
    e = error_of(records_bytes(good, good, more_keys, fewer_keys))
    assert e.record == 2 and "2 keys but 1 values" in str(e)


def test_sparse_key_of_a_later_record_outside_shape():
    e = error_of(records_bytes(sparse_record([1.0], [200], 300), sparse_record([1.0], [300], 300)))
    assert e.record == 1 and "key 300" in str(e)


def test_bytes_value_is_rejected():
    r = record_pb2.Record()
    r.features["values"].bytes.value.append(b"jpeg")
    assert "Bytes" in str(error_of(records_bytes(r)))


def test_writer_rejects_bad_input():
    with pytest.raises(ValueError):
        write(np.zeros((2, 2), np.float16))
    with pytest.raises(ValueError):
        write(np.zeros((2, 2), np.float32), np.zeros(3))
    with pytest.raises(ValueError):
        write(np.full((1, 1), 2**40))
