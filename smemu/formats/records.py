"""aialgs.data Records <-> arrays through the generated protobuf module: the reference
implementation, used for every layout the vectorised codec in ``wire.py`` does not take, and the one
place that words the errors about a record's content."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import FormatError
from .sparse import issparse

TENSOR_DTYPES = {
    "float32_tensor": np.dtype(np.float32),
    "float64_tensor": np.dtype(np.float64),
    "int32_tensor": np.dtype(np.int32),
}

HINT = ("Each record must hold a Float32, Float64 or Int32 tensor under features['values'] (and, "
        "if labelled, a one-value tensor under label['values']), as the sagemaker SDK's "
        "write_numpy_to_dense_tensor and write_spmatrix_to_sparse_tensor write them")


@dataclass
class Decoded:
    """The records of one block, flat: record ``i`` has ``counts[i]`` feature values (and as many
    keys if it is sparse) and ``label_counts[i]`` label values."""

    sparse: np.ndarray        # bool per record
    widths: np.ndarray        # int64 per record: dense value count, or the sparse shape's size
    counts: np.ndarray        # int64 per record
    values: np.ndarray        # flat feature values
    keys: np.ndarray          # flat keys (uint64, or int32 when small) of the sparse records' values
    label_counts: np.ndarray  # int64 per record (0 = no label)
    labels: np.ndarray        # flat label values
    # set by the compiled decoder: every record of the same kind, width and labelling as the
    # first, with at most one label value, and the largest key (-1: none); readers then skip
    # their own scans for a record that breaks the rule
    uniform: bool = False
    key_max: int = -1

    def __len__(self) -> int:
        return len(self.counts)


def tensor_dtype(dtype) -> tuple[str, np.dtype]:
    """Which tensor kind holds an array of ``dtype``: float32 -> Float32, float64 -> Float64,
    integers (values within int32) -> Int32, as the sagemaker SDK chooses."""
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return "float32_tensor", dtype
    if dtype == np.float64:
        return "float64_tensor", dtype
    if dtype.kind in "iu":
        return "int32_tensor", np.dtype(np.int32)
    raise ValueError(f"arrays of dtype {dtype} cannot be written as RecordIO-protobuf; use float32, "
                     "float64 or an integer dtype")


def _tensor(value, where: str, name: str, record: int, offset: int):
    kind = value.WhichOneof("value")
    if kind is None or kind == "bytes":
        what = "holds Bytes" if kind == "bytes" else "holds no tensor"
        raise FormatError(f"{where} {what}, not a Float32, Float64 or Int32 tensor", HINT,
                          source=name, record=record, offset=offset)
    tensor = getattr(value, kind)
    return (np.array(tensor.values, dtype=TENSOR_DTYPES[kind]),
            np.array(tensor.keys, dtype=np.uint64), list(tensor.shape))


def protobuf():
    """(the generated Record module, protobuf's DecodeError), imported on first use: the
    vectorised codec reads and writes the common layouts without protobuf (and its start-up)."""
    from google.protobuf.message import DecodeError

    from smemu.proto import record_pb2

    return record_pb2, DecodeError


def decode_with_protobuf(frames) -> Decoded:
    record_pb2, DecodeError = protobuf()
    n = len(frames)
    sparse = np.zeros(n, bool)
    widths = np.zeros(n, np.int64)
    counts = np.zeros(n, np.int64)
    label_counts = np.zeros(n, np.int64)
    values, keys, labels = [], [], []
    record = record_pb2.Record()
    for i in range(n):
        index, offset = frames.first_record + i, int(frames.offsets[i])
        try:
            record.ParseFromString(frames.payload(i))
        except DecodeError as e:
            raise FormatError(f"the record is not a valid aialgs.data Record protobuf ({e})",
                              "Check that the file is RecordIO-protobuf "
                              "(application/x-recordio-protobuf) and was not altered",
                              source=frames.source, record=index, offset=offset) from None
        if "values" not in record.features:
            present = ", ".join(repr(k) for k in sorted(record.features)) or "none"
            raise FormatError(f"the record has no features['values'] (feature keys present: "
                              f"{present})", HINT, source=frames.source, record=index, offset=offset)
        vals, ks, shape = _tensor(record.features["values"], "features['values']", frames.source,
                                  index, offset)
        is_sparse = len(ks) > 0 or (len(shape) > 0 and len(vals) == 0)
        if is_sparse:
            if not shape:
                raise FormatError("the sparse record (it has keys) has no shape", HINT + "; a "
                                  "sparse tensor needs shape = [feature_dim]", source=frames.source,
                                  record=index, offset=offset)
            if len(ks) != len(vals):
                raise FormatError(f"the sparse record has {len(ks)} keys but {len(vals)} values",
                                  HINT, source=frames.source, record=index, offset=offset)
            widths[i] = int(np.prod(np.array(shape, dtype=np.uint64)))
            keys.append(ks)
        else:
            widths[i] = len(vals)
        sparse[i] = is_sparse
        counts[i] = len(vals)
        values.append(vals)
        if len(record.label):
            if "values" not in record.label:
                present = ", ".join(repr(k) for k in sorted(record.label))
                raise FormatError(f"the record's label has no 'values' key (label keys present: "
                                  f"{present})", HINT, source=frames.source, record=index,
                                  offset=offset)
            lab, _, _ = _tensor(record.label["values"], "label['values']", frames.source, index,
                                offset)
            label_counts[i] = len(lab)
            labels.append(lab)
    return Decoded(sparse, widths, counts, _concat(values, np.float32), _concat(keys, np.uint64),
                   label_counts, _concat(labels, np.float32))


def _concat(parts, default):
    if not parts:
        return np.zeros(0, dtype=default)
    return np.concatenate(parts)


def encode_with_protobuf(features, labels=None) -> list[bytes]:
    """Serialized Records for the rows of a dense 2-D array or a scipy sparse matrix, built field
    by field as the sagemaker SDK builds them."""
    record_pb2, _ = protobuf()
    kind, dtype = tensor_dtype(features.dtype)
    label_kind = tensor_dtype(labels.dtype)[0] if labels is not None else None
    out = []
    record = record_pb2.Record()
    if issparse(features):
        csr = features.tocsr()
        width = csr.shape[1]
        for i in range(csr.shape[0]):
            record.Clear()
            tensor = getattr(record.features["values"], kind)
            lo, hi = csr.indptr[i], csr.indptr[i + 1]
            tensor.values.extend(csr.data[lo:hi].astype(dtype, copy=False))
            tensor.keys.extend(csr.indices[lo:hi].astype(np.uint64))
            if labels is not None:
                getattr(record.label["values"], label_kind).values.extend([labels[i]])
            tensor.shape.extend([width])
            out.append(record.SerializeToString())
    else:
        for i, row in enumerate(features):
            record.Clear()
            getattr(record.features["values"], kind).values.extend(row.astype(dtype, copy=False))
            if labels is not None:
                getattr(record.label["values"], label_kind).values.extend([labels[i]])
            out.append(record.SerializeToString())
    return out
