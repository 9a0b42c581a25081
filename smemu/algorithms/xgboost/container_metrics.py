"""The evaluation metrics SageMaker's XGBoost container computes itself (its ``metrics/
custom_metrics.py``) and hands ``xgboost.train`` as a ``custom_metric``: accuracy, f1, r2, ...

Like the container, classification metrics turn the raw margins xgboost passes a custom metric
into class labels (argmax for several classes, margin > 0 for two) and compare them with the
labels; f1/precision/recall without a suffix are the container's choices (f1 = macro average,
precision/recall = binary).
"""

from __future__ import annotations

import numpy as np


def _classes(preds: np.ndarray) -> np.ndarray:
    if preds.ndim == 2:
        return np.argmax(preds, axis=1)
    return (preds > 0.0).astype(np.int64)


def _per_class(labels, predicted):
    classes = np.union1d(labels, predicted)
    tp = np.array([np.sum((predicted == c) & (labels == c)) for c in classes], dtype=float)
    fp = np.array([np.sum((predicted == c) & (labels != c)) for c in classes], dtype=float)
    fn = np.array([np.sum((predicted != c) & (labels == c)) for c in classes], dtype=float)
    return classes, tp, fp, fn


def _ratio(a, b):
    a, b = np.atleast_1d(np.asarray(a, dtype=float)), np.atleast_1d(np.asarray(b, dtype=float))
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def _averaged(labels, predicted, average, numerator, denominator) -> float:
    """A per-class ratio (numerator/denominator of the true-positive, false-positive and
    false-negative counts) for class 1 (``binary``), of the summed counts (``micro``) or averaged
    over the classes (``macro``), as scikit-learn averages them."""
    classes, tp, fp, fn = _per_class(labels, predicted)
    num, den = numerator(tp, fp, fn), denominator(tp, fp, fn)
    if average == "binary":
        i = np.flatnonzero(classes == 1)
        return float(_ratio(num[i], den[i])[0]) if i.size else 0.0
    if average == "micro":
        return float(_ratio(num.sum(), den.sum())[0])
    return float(np.mean(_ratio(num, den)))


def _precision(labels, predicted, average):
    return _averaged(labels, predicted, average, lambda tp, fp, fn: tp,
                     lambda tp, fp, fn: tp + fp)


def _recall(labels, predicted, average):
    return _averaged(labels, predicted, average, lambda tp, fp, fn: tp,
                     lambda tp, fp, fn: tp + fn)


def _f1(labels, predicted, average):
    return _averaged(labels, predicted, average, lambda tp, fp, fn: 2 * tp,
                     lambda tp, fp, fn: 2 * tp + fp + fn)


def _balanced_accuracy(labels, predicted):
    classes = np.unique(labels)
    return float(np.mean([np.mean(predicted[labels == c] == c) for c in classes]))


def _r2(labels, preds):
    total = np.sum((labels - labels.mean()) ** 2)
    return float(1.0 - np.sum((labels - preds) ** 2) / total) if total > 0 else 0.0


_CLASSIFICATION = {
    "accuracy": lambda y, p: float(np.mean(y == p)),
    "balanced_accuracy": _balanced_accuracy,
    "f1": lambda y, p: _f1(y, p, "macro"),
    "f1_binary": lambda y, p: _f1(y, p, "binary"),
    "f1_macro": lambda y, p: _f1(y, p, "macro"),
    "precision": lambda y, p: _precision(y, p, "binary"),
    "precision_macro": lambda y, p: _precision(y, p, "macro"),
    "precision_micro": lambda y, p: _precision(y, p, "micro"),
    "recall": lambda y, p: _recall(y, p, "binary"),
    "recall_macro": lambda y, p: _recall(y, p, "macro"),
    "recall_micro": lambda y, p: _recall(y, p, "micro"),
}
_REGRESSION = {
    "mse": lambda y, p: float(np.mean((y - p) ** 2)),
    "r2": _r2,
}
NAMES = tuple(_CLASSIFICATION) + tuple(_REGRESSION)


def custom_metric(names):
    """The ``custom_metric`` for ``xgboost.train`` computing ``names`` (in that order), or None."""
    names = [n for n in names if n in NAMES]
    if not names:
        return None

    def evaluate(preds, dmatrix):
        labels = dmatrix.get_label().astype(np.float64)
        preds = np.asarray(preds)
        out = []
        for name in names:
            if name in _CLASSIFICATION:
                value = _CLASSIFICATION[name](labels, _classes(preds)) if preds.size else 0.0
            else:
                value = _REGRESSION[name](labels, preds.astype(np.float64))
            out.append((name, value))
        return out

    return evaluate
