"""The scores Factorization Machines reports for a channel, accumulated batch by batch.

Names as the real algorithm's metrics ("Tune a Factorization Machines Model": ``rmse`` for a
regressor; ``binary_classification_accuracy``, ``binary_classification_cross_entropy`` and
``binary_f_beta`` — printed ``binary_f_1.000`` — for a binary classifier, at threshold 0.5).
"""

from __future__ import annotations

import numpy as np

F_BETA = "binary_f_1.000"


def sigmoid(raw: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * raw))


class Scores:
    """Running totals over records; ``values()`` lists ``(name, value, kind)`` in print order."""

    def __init__(self, predictor_type: str):
        self.binary = predictor_type == "binary_classifier"
        self.count = 0
        self.squared_error = 0.0
        self.log_loss = 0.0
        self.correct = self.tp = self.fp = self.fn = 0

    def add(self, raw: np.ndarray, labels: np.ndarray) -> None:
        self.count += labels.shape[0]
        if not self.binary:
            self.squared_error += float(np.square(raw - labels).sum())
            return
        # log(1 + e^-z) for positives, log(1 + e^z) for negatives, computed stably
        self.log_loss += float(np.logaddexp(0.0, np.where(labels == 1, -raw, raw)).sum())
        predicted = raw >= 0.0  # sigmoid(raw) >= 0.5
        positive = labels == 1
        self.correct += int((predicted == positive).sum())
        self.tp += int((predicted & positive).sum())
        self.fp += int((predicted & ~positive).sum())
        self.fn += int((~predicted & positive).sum())

    def values(self) -> list[tuple[str, float, str]]:
        n = max(self.count, 1)
        if not self.binary:
            return [("rmse", float(np.sqrt(self.squared_error / n)), "loss")]
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return [("binary_classification_accuracy", self.correct / n, "score"),
                ("binary_classification_cross_entropy", self.log_loss / n, "loss"),
                (F_BETA, f1, "score")]


def loss_gradient(predictor_type: str, raw: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """∂loss/∂ŷ per record: logistic loss for binary_classifier, ½(ŷ − y)² for regressor."""
    if predictor_type == "binary_classifier":
        return sigmoid(raw) - labels
    return raw - labels
