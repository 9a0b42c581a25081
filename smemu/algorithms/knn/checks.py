"""What k-NN checks of its channels' records, as functions training and ``smemu validate`` share
(see :class:`smemu.algorithms.base.InputChecks`): the width, finite values, and labels on every
record (the index answers with the neighbours' labels, so train needs them, and test is scored
against them)."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.base import FeatureChecks
from smemu.algorithms.data import require_labels
from smemu.algorithms.errors import DataError


class KNNChecks(FeatureChecks):
    def batch(self, batch, channel: str) -> None:
        super().batch(batch, channel)
        require_labels(batch, channel)

    def records(self, batch, channel: str) -> None:
        super().records(batch, channel)
        labels = np.asarray(batch.labels, dtype=np.float64).reshape(batch.features.shape[0], -1)
        bad = ~np.isfinite(labels).all(axis=1)
        if bad.any():
            raise DataError(f"Channel '{channel}' has a NaN or infinite label at "
                            f"{batch.location(int(np.flatnonzero(bad)[0]))}. Fix the label.")
