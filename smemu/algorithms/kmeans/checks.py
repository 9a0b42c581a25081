"""What K-Means checks of its channels' records, as functions training and ``smemu validate``
share (see :class:`smemu.algorithms.base.InputChecks`)."""

from __future__ import annotations

from smemu.algorithms.base import FeatureChecks
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config


def too_few_records(name: str, records: int, k: int) -> DataError:
    return DataError(
        f"Channel '{name}' has {records} records, fewer than k={k} clusters. "
        f"Set k to at most {records} or provide more data.")


class KMeansChecks(FeatureChecks):
    def __init__(self, config: Config):
        super().__init__(config)
        self.k = config["k"]

    def end(self, channel: str, records: int) -> None:
        super().end(channel, records)
        if channel == "train" and records < self.k:
            raise too_few_records(channel, records, self.k)
