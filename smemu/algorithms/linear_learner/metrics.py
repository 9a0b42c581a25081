"""The scores Linear Learner reports for a channel, under the names its log lines use.

Each function returns an ordered list of ``(name, value, kind)`` with kind ``loss`` or
``score``, in the order the real container prints them (``#validation_score`` /
``#quality_metric`` lines, as in the training logs AWS's linear learner example notebooks print).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from smemu.algorithms.linear_learner.losses import Loss


def _objective(loss: Loss, scores: np.ndarray, labels: np.ndarray) -> float:
    S = scores.reshape(scores.shape[0], 1, -1).astype(np.float64)
    return float(loss.value(S, labels.astype(np.float64)).mean())


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    pos = labels == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def binary(scores, labels, threshold: float, loss: Loss, beta: float):
    """``scores`` are raw (pre-sigmoid) and ``threshold`` is on the same scale."""
    y = labels.astype(np.int64)
    pred = (scores >= threshold).astype(np.int64)
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    b2 = beta * beta
    f = (1 + b2) * precision * recall / (b2 * precision + recall) if precision + recall else 0.0
    return [
        (loss.objective, _objective(loss, scores, labels), "loss"),
        ("binary_classification_accuracy", float((pred == y).mean()), "score"),
        (f"binary_f_{beta:.3f}", f, "score"),
        ("precision", precision, "score"),
        ("recall", recall, "score"),
        ("roc_auc_score", roc_auc(scores, y), "score"),
    ]


def multiclass(scores, labels, loss: Loss, beta: float, top_k: int):
    """``scores`` are raw (records, classes)."""
    y = labels.astype(np.int64)
    n, k = scores.shape
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_loss = float(-logp[np.arange(n), y].mean())
    pred = scores.argmax(axis=1)
    true_score = scores[np.arange(n), y][:, None]
    rank = (scores > true_score).sum(axis=1)  # 0 = the true class scores highest
    precisions, recalls = [], []
    for c in range(k):
        tp = np.count_nonzero((pred == c) & (y == c))
        predicted, actual = np.count_nonzero(pred == c), np.count_nonzero(y == c)
        if actual:
            recalls.append(tp / actual)
        if predicted:
            precisions.append(tp / predicted)
        elif actual:
            precisions.append(0.0)
    macro_p = float(np.mean(precisions)) if precisions else 0.0
    macro_r = float(np.mean(recalls)) if recalls else 0.0
    b2 = beta * beta
    macro_f = (1 + b2) * macro_p * macro_r / (b2 * macro_p + macro_r) if macro_p + macro_r else 0.0
    return [
        (loss.objective, _objective(loss, scores, labels), "loss"),
        ("multiclass_accuracy", float((pred == y).mean()), "score"),
        (f"multiclass_top_k_accuracy_{top_k}", float((rank < top_k).mean()), "score"),
        ("dcg", float((1.0 / np.log2(rank + 2.0)).mean()), "score"),
        ("macro_recall", macro_r, "score"),
        ("macro_precision", macro_p, "score"),
        (f"macro_f_{beta:.3f}", float(macro_f), "score"),
        ("multiclass_balanced_accuracy", macro_r, "score"),
        ("multiclass_log_loss", log_loss, "score"),
    ]


def regression(predictions, labels, loss: Loss):
    """``predictions`` in label units."""
    r = predictions.astype(np.float64) - labels.astype(np.float64)
    mse = float((r * r).mean())
    return [(loss.objective, _objective(loss, predictions, labels), "loss"),
            ("mse", mse, "loss"), ("absolute_loss", float(np.abs(r).mean()), "loss"),
            ("rmse", float(np.sqrt(mse)), "loss")]
