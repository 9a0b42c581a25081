"""The compiled encoder (``encode`` in smemu/formats/_wire_c.c) against the numpy encoder
(wire_encode.py) and the generated protobuf module: the same bytes for every block it takes, dense
and sparse, float32, float64 and integer values, with and without labels, keys of every varint
length, across chunk boundaries; and it declines what it does not take, so that the numpy path
encodes it or words the error. (Its bytes against the real SDK's writer: test_oracle_compat.py.)"""

import io
import os

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from smemu.formats import records, wire_encode, write_recordio_protobuf
from smemu.formats.recordio import frame

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
VALUE_DTYPES = [np.float32, np.float64, np.int32, np.int64]
# widths whose largest key (width - 1) takes 1, 2, 3, 4 and 5 varint bytes, and the edges between
WIDTHS = [1, 2, 7, 127, 128, 129, 16383, 16384, 16385, 2**21, 2**21 + 1, 2**28, 2**28 + 1,
          2**31 - 1, 2**35]


@pytest.fixture(scope="module", autouse=True)
def compiled():
    if wire_encode._compiled_encode is None:
        message = ("smemu.formats._wire_c is not built (or was built from sources without "
                   "encode): `pip install -e .` builds it where gcc and the Python headers are "
                   "installed (Debian: apt-get install gcc python3-dev)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def elements(dtype):
    if np.dtype(dtype).kind == "f":
        return st.floats(width=np.dtype(dtype).itemsize * 8, allow_nan=False)
    return st.integers(-2**31, 2**31 - 1)


def labels_of(draw, n):
    if not draw(st.booleans()):
        return None
    dtype = draw(st.sampled_from(VALUE_DTYPES))
    return draw(hnp.arrays(dtype, n, elements=elements(dtype)))


@st.composite
def dense_blocks(draw):
    n = draw(st.integers(1, 30))
    d = draw(st.integers(1, 40))
    dtype = draw(st.sampled_from(VALUE_DTYPES))
    return draw(hnp.arrays(dtype, (n, d), elements=elements(dtype))), labels_of(draw, n)


@st.composite
def sparse_blocks(draw):
    """Rows of 0 to 6 keys (or every column, when the width allows), keys drawn near the varint
    size edges and the matrix's last column."""
    n = draw(st.integers(1, 30))
    width = draw(st.sampled_from(WIDTHS))
    edges = [k for k in (0, 1, 126, 127, 128, 16383, 16384, 2**21 - 1, 2**21, 2**28 - 1, 2**28,
                         width - 2, width - 1) if 0 <= k < width]
    key = st.sampled_from(edges) | st.integers(0, width - 1)
    rows = []
    for _ in range(n):
        if width <= 130 and draw(st.integers(0, 5)) == 0:
            rows.append(list(range(width)))  # a row with every column
        else:
            rows.append(sorted(draw(st.sets(key, max_size=min(6, width)))))
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    indices = np.array([k for r in rows for k in r], dtype=np.int64)
    dtype = draw(st.sampled_from(VALUE_DTYPES))
    data = draw(hnp.arrays(dtype, len(indices), elements=elements(dtype)))
    index_dtype = draw(st.sampled_from([np.int32, np.int64])) if width < 2**31 else np.int64
    x = sp.csr_matrix((data, indices.astype(index_dtype), indptr.astype(index_dtype)),
                      shape=(n, width))
    return x, labels_of(draw, n)


def assert_same_bytes(features, labels):
    """The compiled encoder takes the block and writes what numpy and protobuf write."""
    fast = wire_encode.encode_compiled(features, labels)
    assert fast is not None, "the compiled encoder declined a block it takes"
    slow = wire_encode.encode_numpy(features, labels)
    assert fast.dtype == np.uint8 and fast.tobytes() == slow.tobytes()
    reference = b"".join(frame(p) for p in records.encode_with_protobuf(features, labels))
    assert fast.tobytes() == reference


@SETTINGS
@given(dense_blocks())
def test_dense_blocks_encode_alike(case):
    assert_same_bytes(*case)


@SETTINGS
@given(sparse_blocks())
def test_sparse_blocks_encode_alike(case):
    x, labels = case
    # scipy keeps the index dtype it was given when the values fit
    assert x.indices.dtype == x.indptr.dtype
    assert_same_bytes(x, labels)


def test_keys_of_one_to_five_varint_bytes_and_empty_rows():
    keys = [0, 127, 128, 16383, 16384, 2**21 - 1, 2**21, 2**28 - 1, 2**28, 2**31 - 2]
    rows = [keys, [], keys[:1], [], keys[-1:], []]
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    x = sp.csr_matrix((np.arange(1, indptr[-1] + 1, dtype=np.float32),
                       np.array([k for r in rows for k in r], dtype=np.int32), indptr),
                      shape=(len(rows), 2**31 - 1))
    for labels in (None, np.array([1, -2, 3, -4, 5, 2**31 - 1], dtype=np.int32)):
        assert_same_bytes(x, labels)
    # the keys take every varint length from 1 to 5 bytes (7 bits a byte)
    assert sorted({max(1, -(-k.bit_length() // 7)) for k in keys}) == [1, 2, 3, 4, 5]


def test_a_negative_int32_value_is_ten_bytes_as_protobuf_writes_it():
    x = np.array([[-1, 0, 2**31 - 1, -2**31]], dtype=np.int32)
    assert_same_bytes(x, np.array([-7], dtype=np.int64))
    assert len(wire_encode.encode_compiled(x)) > 10 * 2 + 5 + 1  # two ten-byte varints in it


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 64, 999, 1000, None])
@pytest.mark.parametrize("sparse", [True, False])
def test_writes_cut_into_chunks_give_the_whole_block_bytes(chunk_rows, sparse, monkeypatch):
    rng = np.random.default_rng(chunk_rows or 0)
    n = 1000
    if sparse:
        x = sp.random(n, 20000, density=0.001, format="csr", random_state=4, dtype=np.float32)
    else:
        x = rng.normal(size=(n, 9))
    labels = rng.integers(0, 5, n).astype(np.float32)
    compiled = io.BytesIO()
    write_recordio_protobuf(compiled, x, labels, chunk_rows=chunk_rows)
    monkeypatch.setattr(wire_encode, "_compiled_encode", None)  # the numpy encoder alone
    numpy_only = io.BytesIO()
    write_recordio_protobuf(numpy_only, x, labels, chunk_rows=chunk_rows)
    whole = wire_encode.encode_numpy(x, labels).tobytes()
    assert compiled.getvalue() == numpy_only.getvalue() == whole


def test_blocks_of_other_dtypes_go_to_numpy():
    x = np.arange(12).reshape(3, 4)
    for features in (x.astype(np.uint8), x.astype(np.int16), x.astype(np.uint32),
                     x.astype(">f4"), x.astype(np.float16), sp.csr_matrix(x.astype(np.uint16))):
        assert wire_encode.encode_compiled(features) is None, features.dtype
    assert wire_encode.encode_compiled(x.astype(np.float32), np.ones(3, dtype=np.uint8)) is None
    # what numpy takes of those, it writes as the generated module does; the rest it refuses
    out = io.BytesIO()
    write_recordio_protobuf(out, x.astype(np.uint16), np.arange(3, dtype=np.uint8))
    assert out.getvalue() == wire_encode.encode_compiled(x.astype(np.int32),
                                                         np.arange(3, dtype=np.int32)).tobytes()
    for dtype in (np.float16, ">f4"):
        with pytest.raises(ValueError, match=r"dtype .*f.* cannot be written as RecordIO-protobuf"):
            write_recordio_protobuf(io.BytesIO(), x.astype(dtype))


def test_int64_values_outside_int32_are_declined_and_numpy_words_the_error():
    x = np.array([[1, 2**31]], dtype=np.int64)
    assert wire_encode.encode_compiled(x) is None
    assert wire_encode.encode_compiled(np.ones((1, 2), np.float32), np.array([-2**31 - 1])) is None
    assert wire_encode.encode_compiled(sp.csr_matrix(x)) is None
    with pytest.raises(ValueError, match="outside the int32 range.*convert them to float64"):
        write_recordio_protobuf(io.BytesIO(), x)
    with pytest.raises(ValueError, match="outside the int32 range"):
        write_recordio_protobuf(io.BytesIO(), np.ones((1, 2), np.float32), np.array([2**40]))


def test_bad_arguments_are_declined_not_read():
    encode = wire_encode._compiled_encode
    values = np.arange(6, dtype=np.float32)
    keys = np.array([0, 1, 2, 0, 1, 2], dtype=np.int32)
    indptr = np.array([0, 3, 6], dtype=np.int32)
    labels = np.ones(2, dtype=np.float32)
    assert encode(values, 1, keys, 4, indptr, 4, 2, 3, labels, 1) is not None
    assert encode(values, 1, keys, 4, indptr[::-1].copy(), 4, 2, 3, labels, 1) is None  # decreasing
    assert encode(values, 1, keys, 4, indptr + 1, 4, 2, 3, labels, 1) is None   # past the values
    assert encode(values, 1, keys[:5], 4, indptr, 4, 2, 3, labels, 1) is None   # too few keys
    assert encode(values, 1, keys, 4, indptr[:2], 4, 2, 3, labels, 1) is None   # too few rows
    assert encode(values, 1, -keys - 1, 4, indptr, 4, 2, 3, labels, 1) is None  # negative keys
    assert encode(values, 1, keys, 4, None, 0, 2, 3, labels, 1) is None         # keys, no indptr
    assert encode(values, 1, keys, 4, indptr, 4, 2, 3, labels[:1], 1) is None  # too few labels
    assert encode(values, 9, keys, 4, indptr, 4, 2, 3, labels, 1) is None       # unknown kind
    assert encode(values, 1, keys, 4, indptr, 4, 0, 3, labels, 1) is None       # no rows
    assert encode(values, 1, None, 0, None, 0, 3, 3, None, 0) is None          # dense: too few
    assert encode(values, 1, None, 0, None, 0, 2, 3, None, 0) is not None
