"""What Linear Learner checks of its channels' records, as functions training and
``smemu validate`` share (see :class:`smemu.algorithms.base.InputChecks`)."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.base import InputChecks
from smemu.algorithms.data import check_finite, check_width, require_labels, width
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import AUTO, Config


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


class LinearLearnerChecks(InputChecks):
    """With ``feature_dim=auto`` the first batch read (of ``train``) sets the width."""

    def __init__(self, config: Config):
        self.predictor_type = config["predictor_type"]
        self.num_classes = config["num_classes"]
        self.feature_dim = None if config["feature_dim"] == AUTO else config["feature_dim"]

    def batch(self, batch, channel: str) -> None:
        if self.feature_dim is None:
            self.feature_dim = width(batch.features)
        check_width(batch, self.feature_dim, channel)
        require_labels(batch, channel)

    def records(self, batch, channel: str) -> None:
        check_finite(batch, channel)
        check_labels(batch, labels_of(batch, channel), channel, self.predictor_type,
                     self.num_classes)

    def end(self, channel: str, records: int) -> None:
        if records == 0:
            raise no_records(channel)
