"""What Random Cut Forest checks of its channels' records (training and ``smemu validate`` share
these; see :class:`smemu.algorithms.base.InputChecks`): the width is ``feature_dim`` and values
are finite on every channel; the ``test`` channel's records carry a label, 1 for an anomaly and
0 for a normal record (AWS developer guide, "Random Cut Forest (RCF) Algorithm": the test
channel's "labels ... 0 or 1"). Labels on ``train`` are ignored."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.base import InputChecks
from smemu.algorithms.data import check_finite, check_width, no_records, require_labels
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config


def test_labels(batch, channel: str) -> np.ndarray:
    labels = np.asarray(require_labels(batch, channel), dtype=np.float64).ravel()
    bad = (labels != 0) & (labels != 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"Channel '{channel}' has label {float(labels[row])!r} at {batch.location(row)}; a "
            f"test record's label must be 1 (anomaly) or 0 (normal). Fix the label and try again.")
    return labels


class RandomCutForestChecks(InputChecks):
    def __init__(self, config: Config):
        self.feature_dim = config["feature_dim"]

    def batch(self, batch, channel: str) -> None:
        check_width(batch, self.feature_dim, channel)
        if channel == "test":
            require_labels(batch, channel)

    def records(self, batch, channel: str) -> None:
        check_finite(batch, channel)
        if channel == "test":
            test_labels(batch, channel)

    def end(self, channel: str, records: int) -> None:
        if records == 0:
            raise no_records(channel)
