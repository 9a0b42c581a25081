"""What Linear Learner checks of its channels' records, as functions training and
``smemu validate`` share (see :class:`smemu.algorithms.base.InputChecks`)."""

from __future__ import annotations

from smemu.algorithms.base import InputChecks
from smemu.algorithms.data import (  # noqa: F401  (labels_of, no_records: LL's names for them)
    check_finite, check_labels, check_width, labels_of, no_records, require_labels, width)
from smemu.algorithms.hyperparameters import AUTO, Config


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
