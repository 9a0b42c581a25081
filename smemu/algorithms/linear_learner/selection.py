"""Choosing among the models trained at once, and calibrating a binary classifier's threshold.

For a binary classifier every model's decision threshold is set where it scores best on the
selection criterion (``binary_classifier_model_selection_criteria``) over a calibration sample;
the model with the best value wins. All models are calibrated together, one sort per column.
"""

from __future__ import annotations

import numpy as np

THRESHOLD_CRITERIA = ("accuracy", "f_beta", "precision_at_target_recall",
                      "recall_at_target_precision")


def calibrate(scores: np.ndarray, labels: np.ndarray, criterion: str, *, beta: float = 1.0,
              target_recall: float = 0.8, target_precision: float = 0.8):
    """For raw scores (records, models) and 0/1 labels: each model's best criterion value and the
    threshold reaching it (predict 1 when score >= threshold). Models that cannot reach a target
    get ``-inf``."""
    n, models = scores.shape
    by_model = np.ascontiguousarray(scores.T)              # (models, records): rows sort fast
    order = np.argsort(-by_model, axis=1, kind="stable")
    ranked = np.take_along_axis(by_model, order, axis=1)
    y = labels.astype(np.float32)[order]
    tp = np.zeros((models, n + 1), dtype=np.float64)
    np.cumsum(y, axis=1, out=tp[:, 1:])
    k = np.arange(n + 1, dtype=np.float64)[None, :]
    fp = k - tp
    pos = float(labels.sum())
    neg = n - pos
    fn, tn = pos - tp, neg - fp
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(k > 0, tp / np.maximum(k, 1), 1.0)
        recall = tp / pos if pos > 0 else np.ones_like(tp)
        if criterion == "accuracy":
            value = (tp + tn) / n
        elif criterion == "f_beta":
            b2 = beta * beta
            denom = (1 + b2) * tp + b2 * fn + fp
            value = np.where(denom > 0, (1 + b2) * tp / np.maximum(denom, 1e-12), 0.0)
        elif criterion == "precision_at_target_recall":
            value = np.where(recall >= target_recall, precision, -np.inf)
        elif criterion == "recall_at_target_precision":
            value = np.where((precision >= target_precision) & (k > 0), recall, -np.inf)
        else:
            raise ValueError(f"not a threshold criterion: {criterion!r}")
    # a cut between equal scores cannot be realised by any threshold
    tied = np.zeros((models, n + 1), dtype=bool)
    tied[:, 1:n] = ranked[:, :-1] == ranked[:, 1:]
    value[tied] = -np.inf
    best = np.argmax(value, axis=1)
    rows = np.arange(models)
    # threshold halfway between the last score predicted 1 and the first predicted 0
    upper = np.hstack([ranked[:, :1] + 1.0, ranked])       # score of record k-1 (k = cut)
    lower = np.hstack([ranked, ranked[:, -1:] - 1.0])      # score of record k
    thresholds = 0.5 * (upper[rows, best].astype(np.float64) + lower[rows, best])
    return value[rows, best], thresholds


def best_index(values: np.ndarray, larger_is_better: bool) -> int:
    """The winning model; ties go to the lowest index (model 0 has the user's own settings)."""
    v = np.where(np.isfinite(values), values, -np.inf if larger_is_better else np.inf)
    return int(np.argmax(v) if larger_is_better else np.argmin(v))
