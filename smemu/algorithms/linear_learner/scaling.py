"""Normalisation statistics from a sample of the training data, as Linear Learner computes them.

The real algorithm reads ``num_point_for_scaler`` records first and logs ``Scaling model computed
with parameters: {'stdev_weight': ..., 'stdev_label': ..., 'mean_label': ..., 'mean_weight': ...}``.
smemu never rewrites the data: training folds the statistics into the weights (see
:mod:`smemu.algorithms.linear_learner.model`), so sparse input stays sparse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class Scaler:
    mean_weight: np.ndarray   # per feature; zeros when features are not unbiased
    stdev_weight: np.ndarray  # per feature; ones when features are not normalised
    mean_label: float | None = None
    stdev_label: float | None = None

    @property
    def label_shift(self) -> float:
        return 0.0 if self.mean_label is None else float(self.mean_label)

    @property
    def label_scale(self) -> float:
        return 1.0 if self.stdev_label is None else float(self.stdev_label)

    def describe(self) -> str:
        def show(v):
            return "None" if v is None else f"<NDArray {np.size(v)} @cpu(0)>"
        return ("{" + ", ".join(f"'{k}': {show(getattr(self, k))}" for k in
                                ("stdev_weight", "stdev_label", "mean_label", "mean_weight")) + "}")


def _column_stats(features):
    if sp.issparse(features):
        mean = np.asarray(features.mean(axis=0), dtype=np.float64).ravel()
        sq = np.asarray(features.multiply(features).mean(axis=0), dtype=np.float64).ravel()
        var = np.maximum(sq - mean * mean, 0.0)
    else:
        x = np.asarray(features, dtype=np.float64)
        mean, var = x.mean(axis=0), x.var(axis=0)
    return mean, np.sqrt(var)


def fit_scaler(features, labels, *, normalize_data: bool, unbias_data: bool,
               normalize_label: bool, unbias_label: bool) -> Scaler:
    """Statistics of a sample: ``features`` (dense or CSR, the sample's rows) and ``labels``."""
    dim = features.shape[1]
    mean, std = _column_stats(features)
    std = np.where(std > 1e-12, std, 1.0)  # a constant column is left as it is
    mean_label = stdev_label = None
    if normalize_label or unbias_label:
        y = np.asarray(labels, dtype=np.float64)
        if unbias_label:
            mean_label = float(y.mean())
        if normalize_label:
            s = float(y.std())
            stdev_label = s if s > 1e-12 else 1.0
    return Scaler(
        mean_weight=(mean if unbias_data else np.zeros(dim)).astype(np.float32),
        stdev_weight=(std if normalize_data else np.ones(dim)).astype(np.float32),
        mean_label=mean_label, stdev_label=stdev_label)
