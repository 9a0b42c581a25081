"""MXNet's NDArray list file (what ``mx.nd.save`` writes and ``mx.nd.load`` reads), as mxnet 1.9.1
lays it out:

    uint64 0x112 | uint64 0 | uint64 count
    per array: uint32 0xF993FAC9 | int32 storage type 0 (dense) | uint32 ndim | int64 dims[ndim]
               | int32 device type 1 (cpu) | int32 device id 0 | int32 type flag | raw data (LE)
    uint64 name count | per name: uint64 length | utf-8 bytes

A list is saved with no names; a dict with one name per array.
"""

from __future__ import annotations

import struct
from typing import Mapping, Sequence

import numpy as np

from .errors import FormatError
from .sources import open_binary, read_up_to, size_of, source_name

LIST_MAGIC = 0x112
ARRAY_MAGIC = 0xF993FAC9
# mshadow type flags
TYPE_FLAGS = {
    np.dtype(np.float32): 0, np.dtype(np.float64): 1, np.dtype(np.float16): 2,
    np.dtype(np.uint8): 3, np.dtype(np.int32): 4, np.dtype(np.int8): 5, np.dtype(np.int64): 6,
}
DTYPES = {flag: dtype for dtype, flag in TYPE_FLAGS.items()}
MAX_BYTES = 1 << 40  # no array or name is this big: the header is damaged
HINT = "Check that the file was written by mxnet.ndarray.save (or smemu) and is complete"


def _array_bytes(array: np.ndarray) -> bytes:
    array = np.asarray(array)
    if array.ndim == 0:
        array = array.reshape(1)  # mxnet 1.x has no 0-d arrays; mx.nd.array(5.0) has shape (1,)
    if array.dtype not in TYPE_FLAGS:
        raise ValueError(f"MXNet NDArray files hold {', '.join(str(d) for d in TYPE_FLAGS)}; "
                         f"not {array.dtype}")
    dtype = array.dtype.newbyteorder("<")
    head = struct.pack("<IiI", ARRAY_MAGIC, 0, array.ndim)
    head += struct.pack(f"<{array.ndim}q", *array.shape)
    head += struct.pack("<iii", 1, 0, TYPE_FLAGS[array.dtype])
    return head + np.ascontiguousarray(array, dtype=dtype).tobytes()


def save_ndarrays(path_or_file, arrays: Sequence[np.ndarray] | Mapping[str, np.ndarray]) -> None:
    """Writes a list of arrays, or a name -> array dict, as ``mx.nd.save`` does."""
    if isinstance(arrays, Mapping):
        names = [str(k) for k in arrays]
        values = list(arrays.values())
    else:
        names, values = [], list(arrays)
    parts = [struct.pack("<QQQ", LIST_MAGIC, 0, len(values))]
    parts += [_array_bytes(a) for a in values]
    parts.append(struct.pack("<Q", len(names)))
    for n in names:
        encoded = n.encode("utf-8")
        parts.append(struct.pack("<Q", len(encoded)) + encoded)
    with open_binary(path_or_file, "wb") as f:
        f.write(b"".join(parts))


class _Reader:
    def __init__(self, f, name):
        self.f, self.name, self.offset = f, name, 0
        self.size = size_of(f)
        if self.size is not None:
            self.size -= f.tell()

    def take(self, n: int, what: str) -> bytes:
        if n > MAX_BYTES:
            raise FormatError(f"{what} claims {n} bytes", HINT, source=self.name, offset=self.offset)
        if self.size is not None and self.offset + n > self.size:
            raise FormatError(f"the file ends inside {what} ({self.size - self.offset} of {n} bytes)",
                              HINT, source=self.name, offset=self.offset)
        data = read_up_to(self.f, n)
        if len(data) < n:
            raise FormatError(f"the file ends inside {what} ({len(data)} of {n} bytes)", HINT,
                              source=self.name, offset=self.offset)
        self.offset += n
        return data

    def unpack(self, fmt: str, what: str):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))

    def fail(self, problem: str, at: int | None = None):
        raise FormatError(problem, HINT, source=self.name, offset=self.offset if at is None else at)


def load_ndarrays(path_or_file, name: str | None = None):
    """Reads an NDArray file: a list of numpy arrays, or a name -> array dict when names are
    stored (as ``mx.nd.load`` returns)."""
    name = source_name(path_or_file, name)
    with open_binary(path_or_file) as f:
        r = _Reader(f, name)
        magic, _reserved, count = r.unpack("<QQQ", "the file header")
        if magic != LIST_MAGIC:
            r.fail(f"the file starts with 0x{magic:x}, not the NDArray list magic 0x112", 0)
        arrays = []
        for i in range(count):
            at = r.offset
            magic, stype, ndim = r.unpack("<IiI", f"the header of array {i}")
            if magic != ARRAY_MAGIC:
                r.fail(f"array {i} starts with 0x{magic:08x}, not the NDArray magic 0xf993fac9", at)
            if stype != 0:
                r.fail(f"array {i} has storage type {stype}; only dense arrays (0) are supported",
                       at)
            if ndim > 32:
                r.fail(f"array {i} claims {ndim} dimensions", at)
            shape = r.unpack(f"<{ndim}q", f"the shape of array {i}")
            if ndim == 0:  # a "none" array: mxnet writes nothing more for it
                arrays.append(np.zeros(0, dtype=np.float32))
                continue
            _dev_type, _dev_id, flag = r.unpack("<iii", f"the header of array {i}")
            if flag not in DTYPES:
                r.fail(f"array {i} has the unknown type flag {flag}", at)
            if any(d < 0 for d in shape):
                r.fail(f"array {i} has a negative dimension in shape {shape}", at)
            dtype = DTYPES[flag]
            size = int(np.prod(shape, dtype=np.int64))
            data = r.take(size * dtype.itemsize, f"the data of array {i}")
            arrays.append(np.frombuffer(data, dtype=dtype.newbyteorder("<")).astype(dtype)
                          .reshape(shape))
        (n_names,) = r.unpack("<Q", "the name count")
        if n_names == 0:
            return arrays
        if n_names != count:
            r.fail(f"the file holds {count} arrays but {n_names} names")
        names = []
        for i in range(n_names):
            (length,) = r.unpack("<Q", f"the length of name {i}")
            names.append(r.take(length, f"name {i}").decode("utf-8", "replace"))
        return dict(zip(names, arrays))
