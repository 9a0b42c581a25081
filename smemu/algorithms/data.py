"""Checks every algorithm makes of the batches it is handed, with errors that name the record.

Shared by all algorithms so that the same mistake reads the same way whichever one finds it.
"""

from __future__ import annotations

import numpy as np

from smemu.algorithms.errors import DataError
from smemu.formats.sparse import issparse, scipy_sparse


def width(features) -> int:
    return int(features.shape[1])


def check_width(batch, feature_dim: int, channel: str) -> None:
    """A batch whose width is not ``feature_dim`` is a DataError naming channel, record and both widths."""
    got = width(batch.features)
    if got != feature_dim:
        raise DataError(
            f"The feature dimension of the input in channel '{channel}' ({got}, at "
            f"{batch.location(0)}) does not match the feature_dim hyperparameter ({feature_dim}). "
            f"Fix the data or set feature_dim={got}.")


def check_finite(batch, channel: str) -> None:
    """NaN or infinite feature values are a DataError naming the first bad record."""
    feats = batch.features
    values = feats.data if issparse(feats) else feats
    if values.dtype.kind != "f" or np.isfinite(values).all():
        return
    if issparse(feats):
        bad_pos = int(np.flatnonzero(~np.isfinite(feats.data))[0])
        row = int(np.searchsorted(feats.indptr, bad_pos, side="right") - 1)
    else:
        row = int(np.flatnonzero(~np.isfinite(feats).all(axis=1))[0])
    raise DataError(
        f"Channel '{channel}' has a NaN or infinite feature value at {batch.location(row)}. "
        f"Remove or impute it and try again.")


def empty_channel(name: str) -> DataError:
    """The error for a channel that holds no records at all."""
    return DataError(
        f"Channel '{name}' has no records. Check that its S3 prefix or manifest points at your "
        f"data files and that they are not empty.")


def require_labels(batch, channel: str) -> np.ndarray:
    """The batch's labels; a DataError when the channel's records carry none."""
    if batch.labels is None:
        raise DataError(
            f"Channel '{channel}' has no labels (at {batch.location(0)}), but this algorithm needs "
            f"them. For text/csv put the label in the first column (label_size=1); for "
            f"RecordIO-protobuf set each record's label['values'].")
    return batch.labels


def as_float(features, dtype=np.float32):
    """Features as a float array (dense) or float CSR matrix (sparse), without copying if possible."""
    if issparse(features):
        return features.astype(dtype, copy=False).tocsr()
    return np.asarray(features, dtype=dtype)


def no_records(channel_name: str) -> DataError:
    if channel_name == "train":
        return DataError("Channel 'train' holds no records. Give it data and try again.")
    return DataError(f"Channel '{channel_name}' holds no records. Give it data or leave "
                     f"the channel out of the job.")


def check_labels(batch, labels, channel_name: str, predictor_type: str, num_classes: int) -> None:
    """One finite label per record, 0/1 for a binary classifier, an integer class below
    ``num_classes`` for a multiclass classifier."""
    if labels.shape[0] != batch.features.shape[0]:
        raise DataError(
            f"Channel '{channel_name}' has {labels.shape[0]} labels for "
            f"{batch.features.shape[0]} records at {batch.location(0)}. Give every record "
            f"exactly one label.")
    bad = ~np.isfinite(labels)
    need = "a finite number"
    if predictor_type == "binary_classifier":
        bad |= (labels != 0) & (labels != 1)
        need = "0 or 1 for predictor_type='binary_classifier'"
    elif predictor_type == "multiclass_classifier":
        k = num_classes
        bad |= (labels != np.round(labels)) | (labels < 0) | (labels > k - 1)
        need = (f"an integer from 0 to {k - 1} for predictor_type='multiclass_classifier' "
                f"with num_classes={k}")
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"Channel '{channel_name}' has label {float(labels[row])!r} at {batch.location(row)}; "
            f"the label must be {need}. Fix the label and try again.")


def labels_of(batch, channel_name: str) -> np.ndarray:
    return np.asarray(require_labels(batch, channel_name), dtype=np.float64).ravel()


def widened(features, width: int):
    """A CSR matrix with trailing empty columns up to ``width`` (sparse records, e.g. LIBSVM, may
    leave trailing columns out); dense features and wide-enough matrices come back as they are."""
    if not issparse(features) or features.shape[1] >= width:
        return features
    features = features.tocsr()
    return scipy_sparse().csr_matrix((features.data, features.indices, features.indptr),
                         shape=(features.shape[0], width))
