"""What LDA checks of its channels' records (training and ``smemu validate`` alike)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.base import InputChecks
from smemu.algorithms.data import check_finite, check_width
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config


def empty_channel(name: str) -> DataError:
    return DataError(
        f"Channel '{name}' has no records. Check that its S3 prefix or manifest points at your "
        f"data files and that they are not empty.")


def check_counts(batch, channel: str) -> None:
    """Word counts are never negative: a DataError naming the first record with one."""
    feats = batch.features
    if sp.issparse(feats):
        bad = np.flatnonzero(feats.data < 0)
        if not len(bad):
            return
        row = int(np.searchsorted(feats.indptr, bad[0], side="right") - 1)
    else:
        rows = np.flatnonzero((np.asarray(feats) < 0).any(axis=1))
        if not len(rows):
            return
        row = int(rows[0])
    raise DataError(
        f"Channel '{channel}' has a negative word count at {batch.location(row)}. Each record is "
        f"a document's word counts (one column per vocabulary word, feature_dim columns); "
        f"fix the record and try again.")


class WordCountChecks(InputChecks):
    """Records are documents: ``feature_dim`` finite, non-negative word counts."""

    def __init__(self, config: Config):
        self.feature_dim = config["feature_dim"]

    def batch(self, batch, channel: str) -> None:
        check_width(batch, self.feature_dim, channel)

    def records(self, batch, channel: str) -> None:
        check_finite(batch, channel)
        check_counts(batch, channel)

    def end(self, channel: str, records: int) -> None:
        if records == 0:
            raise empty_channel(channel)
