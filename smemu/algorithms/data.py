"""Checks every algorithm makes of the batches it is handed, with errors that name the record.

Shared by all algorithms so that the same mistake reads the same way whichever one finds it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.builtin_errors import INFINITE_VALUES, MISSING_VALUES
from smemu.algorithms.errors import DataError


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
    values = feats.data if sp.issparse(feats) else feats
    if values.dtype.kind != "f" or np.isfinite(values).all():
        return
    if sp.issparse(feats):
        bad_pos = int(np.flatnonzero(~np.isfinite(feats.data))[0])
        row = int(np.searchsorted(feats.indptr, bad_pos, side="right") - 1)
    else:
        row = int(np.flatnonzero(~np.isfinite(feats).all(axis=1))[0])
    dense_row = feats[row].toarray().ravel() if sp.issparse(feats) else feats[row]
    words = MISSING_VALUES if np.isnan(dense_row).any() else INFINITE_VALUES
    raise DataError(words.say(f"The first is at {batch.location(row)}: remove or impute it.",
                              channel=channel))


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
    if sp.issparse(features):
        return features.astype(dtype, copy=False).tocsr()
    return np.asarray(features, dtype=dtype)
