"""Data files by kind, for the command line: which format a file holds (by its first bytes, then its
name), and reading or writing any of them as batches."""

from __future__ import annotations

import io
import os
import zipfile
from typing import BinaryIO, Iterator

import numpy as np

from .batch import Batch, Batcher
from .csv import read_csv
from .errors import FormatError
from .kinds import (  # noqa: F401 (re-exported: files.KINDS, files.CSV ...)
    CSV, KINDS, NDARRAY, NPY, NPZ, RECORDIO_PROTOBUF, RECORDIO_SUFFIXES, kind_by_name)
from .ndarray import LIST_MAGIC
from .recordio import MAGIC_BYTES
from .recordio_protobuf import read_recordio_protobuf, write_recordio_protobuf
from .sparse import issparse, scipy_sparse

def detect_kind(path) -> str:
    """What a file holds: its first bytes decide, then its name; plain text is CSV."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:4] == MAGIC_BYTES:
        return RECORDIO_PROTOBUF
    if head.startswith(b"\x93NUMPY"):
        return NPY
    if head.startswith(b"PK\x03\x04"):
        return NPZ
    if len(head) == 8 and int.from_bytes(head, "little") == LIST_MAGIC:
        return NDARRAY
    by_name = kind_by_name(path)
    if by_name:
        return by_name
    if not head or all(c in b"0123456789+-.eEinfatyINFATY,; \t\r\n" for c in head):
        return CSV
    raise FormatError("the file is neither RecordIO-protobuf, CSV, .npy nor .npz",
                      "Give a file of one of those kinds", source=os.fspath(path), offset=0)


class CountingReader(io.RawIOBase):
    """Passes reads through, reporting the bytes read to ``on_read`` (for progress bars)."""

    def __init__(self, f: BinaryIO, on_read):
        self.f, self.on_read = f, on_read
        self.name = getattr(f, "name", None)

    def readable(self):
        return True

    def readinto(self, b):
        n = self.f.readinto(b)
        if n:
            self.on_read(n)
        return n


def _npz_arrays(path):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return arrays


def load_numpy(path, kind: str):
    """(features, labels) from a .npy (features only) or .npz: arrays ``features`` (or the sparse
    parts scipy.sparse.save_npz writes) and optionally ``labels``."""
    name = os.fspath(path)
    try:
        if kind == NPY:
            return np.load(path, allow_pickle=False), None
        arrays = _npz_arrays(path)
    except (ValueError, OSError, zipfile.BadZipFile) as e:
        raise FormatError(f"the file cannot be read as {kind} ({e})", "Check the file",
                          source=name) from None
    labels = arrays.get("labels")
    if {"data", "indices", "indptr", "shape"} <= set(arrays):
        fmt = arrays["format"].item() if "format" in arrays else "csr"
        fmt = fmt.decode() if isinstance(fmt, bytes) else str(fmt)
        sp = scipy_sparse()
        cls = sp.csc_matrix if fmt == "csc" else sp.csr_matrix
        features = cls((arrays["data"], arrays["indices"], arrays["indptr"]),
                       shape=tuple(arrays["shape"])).tocsr()
    elif "features" in arrays:
        features = arrays["features"]
    else:
        raise FormatError(f"the .npz file holds {sorted(arrays)} but no 'features' array (nor a "
                          "scipy sparse matrix)", "Save the features as 'features' and the labels "
                          "as 'labels'", source=name)
    return features, labels


def read_batches(path, kind: str, batch_size: int = 1000, label_size: int = 1,
                 stream: BinaryIO | None = None) -> Iterator[Batch]:
    """Batches from a data file of any kind; ``stream`` (opened on ``path``) may replace the
    path, e.g. to count bytes."""
    name = os.fspath(path)
    source = stream if stream is not None else path
    if kind == RECORDIO_PROTOBUF:
        return read_recordio_protobuf(source, batch_size=batch_size, name=name)
    if kind == CSV:
        return read_csv(source, label_size=label_size, batch_size=batch_size, name=name)
    if kind in (NPY, NPZ):
        features, labels = load_numpy(path, kind)
        if features.ndim != 2:
            raise FormatError(f"the features array has shape {features.shape}; a 2-D array is "
                              "needed", "Reshape it to (records, features)", source=name)
        batcher = Batcher(batch_size, name)

        def batches():
            yield from batcher.add(features, labels, None)
            yield from batcher.finish()
        return batches()
    raise FormatError(f"{kind} files do not hold training records", "Give RecordIO-protobuf, CSV, "
                      ".npy or .npz data", source=name)


def write_batches(path, kind: str, batches: Iterator[Batch], on_batch=None) -> int:
    """Writes batches to a file of ``kind``; returns the number of records written."""
    count = 0
    if kind in (NPY, NPZ):
        features, labels = [], []
        for b in batches:
            features.append(b.features)
            labels.append(b.labels)
            count += len(b)
            if on_batch:
                on_batch(b)
        if not features:
            raise FormatError("the input holds no records", "Nothing to write", source=os.fspath(path))
        sparse = issparse(features[0])
        joined = scipy_sparse().vstack(features, format="csr") if sparse else np.concatenate(features)
        has_labels = labels[0] is not None
        if kind == NPY:
            if sparse or has_labels:
                raise FormatError("a .npy file holds one dense array, so it cannot keep "
                                  + ("sparse features" if sparse else "the labels"),
                                  "Convert to .npz instead", source=os.fspath(path))
            with open(path, "wb") as f:
                np.save(f, joined)
            return count
        arrays = {}
        if sparse:
            arrays.update(data=joined.data, indices=joined.indices, indptr=joined.indptr,
                          shape=np.array(joined.shape), format=np.array(b"csr"))
        else:
            arrays["features"] = joined
        if has_labels:
            arrays["labels"] = np.concatenate(labels)
        with open(path, "wb") as f:
            np.savez(f, **arrays)
        return count
    with open(path, "wb") as f:
        for b in batches:
            if kind == RECORDIO_PROTOBUF:
                write_recordio_protobuf(f, b.features, b.labels)
            elif kind == CSV:
                _write_csv(f, b)
            else:
                raise FormatError(f"cannot write {kind} files", "Write RecordIO-protobuf, CSV, "
                                  ".npy or .npz", source=os.fspath(path))
            count += len(b)
            if on_batch:
                on_batch(b)
    return count


def _fmt(dtype) -> str:
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return "%d"
    return "%.9g" if dtype.itemsize <= 4 else "%.17g"


def _write_csv(f, batch: Batch):
    features = batch.features.toarray() if issparse(batch.features) else batch.features
    fmt = [_fmt(features.dtype)] * features.shape[1]
    rows = features
    if batch.labels is not None:
        fmt.insert(0, _fmt(batch.labels.dtype))
        rows = np.column_stack([batch.labels.astype(np.float64), features.astype(np.float64)])
    np.savetxt(f, rows, fmt=fmt, delimiter=",")
