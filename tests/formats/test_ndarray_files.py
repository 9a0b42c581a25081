"""MXNet NDArray files, against the layout mxnet 1.9.1 writes (byte-level)."""

import io
import struct

import numpy as np
import pytest

from smemu.formats import FormatError, load_ndarrays, save_ndarrays

DTYPES = [np.float32, np.float64, np.float16, np.uint8, np.int8, np.int32, np.int64]


def test_layout_of_one_float32_array():
    out = io.BytesIO()
    save_ndarrays(out, [np.array([[1, 2, 3]], dtype=np.float32)])
    expected = (struct.pack("<QQQ", 0x112, 0, 1) + struct.pack("<IiI", 0xF993FAC9, 0, 2)
                + struct.pack("<qq", 1, 3) + struct.pack("<iii", 1, 0, 0)
                + np.array([1, 2, 3], "<f4").tobytes() + struct.pack("<Q", 0))
    assert out.getvalue() == expected


@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_list_and_dict(dtype, tmp_path):
    arrays = [np.arange(6).reshape(2, 3).astype(dtype), np.ones(4, dtype)]
    save_ndarrays(tmp_path / "l", arrays)
    got = load_ndarrays(tmp_path / "l")
    assert isinstance(got, list) and all(np.array_equal(a, b) and a.dtype == b.dtype
                                         for a, b in zip(arrays, got))
    save_ndarrays(tmp_path / "d", {"arg:w": arrays[0], "aux:b": arrays[1]})
    got = load_ndarrays(tmp_path / "d")
    assert list(got) == ["arg:w", "aux:b"] and np.array_equal(got["arg:w"], arrays[0])


def test_truncated_and_wrong_magic(tmp_path):
    out = io.BytesIO()
    save_ndarrays(out, [np.ones(10, np.float32)])
    data = out.getvalue()
    for bad in (data[:-20], data[:30], b"\1" + data[1:]):
        (tmp_path / "bad").write_bytes(bad)
        with pytest.raises(FormatError) as e:
            load_ndarrays(tmp_path / "bad")
        assert e.value.offset is not None and "bad" in str(e.value)
