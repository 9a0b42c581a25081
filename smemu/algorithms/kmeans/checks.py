"""What K-Means checks of its channels' records, as functions training and ``smemu validate``
share (see :class:`smemu.algorithms.base.InputChecks`)."""

from __future__ import annotations

from smemu.algorithms.base import InputChecks
from smemu.algorithms.data import check_finite, check_width, empty_channel
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config


def too_few_records(name: str, records: int, k: int) -> DataError:
    return DataError(
        f"Channel '{name}' has {records} records, fewer than k={k} clusters. "
        f"Set k to at most {records} or provide more data.")


class KMeansChecks(InputChecks):
    def __init__(self, config: Config):
        self.k = config["k"]
        self.feature_dim = config["feature_dim"]

    def batch(self, batch, channel: str) -> None:
        check_width(batch, self.feature_dim, channel)

    def records(self, batch, channel: str) -> None:
        check_finite(batch, channel)

    def end(self, channel: str, records: int) -> None:
        if records == 0:
            raise empty_channel(channel)
        if channel == "train" and records < self.k:
            raise too_few_records(channel, records, self.k)
