"""What XGBoost checks of its channels' records, as functions training and ``smemu validate``
share (see :class:`smemu.algorithms.base.InputChecks`).

The label rules are the ``xgboost`` library's (its errors, which the container reports as the
user's: ``label must be in [0,1] for logistic regression``, ``label must be in [0, num_class)``,
``label must be nonnegative``), checked here before training so that the error names the file
and line.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.base import InputChecks
from smemu.algorithms.data import require_labels, width
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config

LOGISTIC = ("binary:logistic", "reg:logistic", "binary:logitraw", "binary:hinge")
NONNEGATIVE = {"count:poisson": "PoissonRegression", "reg:tweedie": "TweedieRegression",
               "reg:gamma": "GammaRegression"}


def no_data(channel: str) -> DataError:
    if channel == "train":
        return DataError("No data in training channel path /opt/ml/input/data/train: the "
                         "'train' channel holds no records. Give it data and try again.")
    return DataError(f"No data in validation channel path /opt/ml/input/data/{channel}: the "
                     f"'{channel}' channel holds no records. Give it data or leave it out.")


def split_csv_weights(batch, csv_weights: int):
    """(features, weights) of a batch: with ``csv_weights=1`` the container reads the CSV's second
    column (the first after the label) as the instance weight."""
    if csv_weights and not sp.issparse(batch.features):
        return batch.features[:, 1:], batch.features[:, 0]
    return batch.features, getattr(batch, "weights", None)


class XGBoostChecks(InputChecks):
    """Labels present and valid for the objective; every dense record as wide as the first
    (sparse LIBSVM records may leave trailing columns out, as XGBoost allows)."""

    def __init__(self, config: Config):
        self.objective = config["objective"] or "reg:squarederror"
        self.num_class = config["num_class"]
        self.csv_weights = config["csv_weights"] or 0
        self.width = None

    def batch(self, batch, channel: str) -> None:
        require_labels(batch, channel)
        if sp.issparse(batch.features):
            return
        got = width(batch.features)
        if self.width is None:
            self.width = got
        elif got != self.width:
            raise DataError(
                f"Channel '{channel}' has {got} columns after the label at "
                f"{batch.location(0)}, but the data read before it has {self.width}. Every file "
                f"of every channel needs the same columns.")
        if self.csv_weights and got < 2:
            raise DataError(
                f"csv_weights=1 puts the instance weight in the second column, but "
                f"{batch.location(0)} has only the label and {got - 1} more column(s).")

    def records(self, batch, channel: str) -> None:
        labels = np.asarray(batch.labels, dtype=np.float64).ravel()
        bad = ~np.isfinite(labels)
        need = "a finite number"
        if self.objective in LOGISTIC:
            bad |= (labels < 0) | (labels > 1)
            need = "in [0,1] for logistic regression"
        elif self.objective.startswith("multi:") and self.num_class:
            bad |= (labels < 0) | (labels >= self.num_class) | (labels != np.floor(labels))
            need = f"an integer in [0, num_class) (num_class={self.num_class})"
        elif self.objective in NONNEGATIVE:
            bad |= labels < 0
            need = f"nonnegative ({NONNEGATIVE[self.objective]})"
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"Channel '{channel}' has label {float(labels[row])!r} at {batch.location(row)}: "
                f"label must be {need} with objective '{self.objective}'. Fix the label or "
                f"choose another objective.")
        _, weights = split_csv_weights(batch, self.csv_weights)
        if weights is not None:
            weights = np.asarray(weights, dtype=np.float64)
            bad = ~np.isfinite(weights) | (weights < 0)
            if bad.any():
                row = int(np.flatnonzero(bad)[0])
                raise DataError(
                    f"Channel '{channel}' has instance weight {float(weights[row])!r} at "
                    f"{batch.location(row)}; weights must be non-negative numbers.")

    def end(self, channel: str, records: int) -> None:
        if records == 0:
            raise no_data(channel)
