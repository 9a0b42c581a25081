"""Tiny problems k-NN must solve: three well separated labelled blobs to classify, and a smooth
function of the features to regress."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.descriptor import SampleData

CLASSES, DIM, ROWS = 3, 4, 300


def _accuracy(predictions, features, labels):
    """Accuracy on the train records; the floor is the majority class's share plus a margin."""
    accuracy = float(np.mean(predictions["predicted_label"] == labels))
    return accuracy, np.bincount(labels.astype(int)).max() / len(labels) + 0.3


def _explained(predictions, features, labels):
    """R² of the predictions on the train records; the floor is well above predicting the mean."""
    residual = np.mean((predictions["predicted_label"].astype(np.float64) - labels) ** 2)
    return 1.0 - residual / np.var(labels), 0.7


def _hyperparameters(predictor_type: str) -> dict:
    return {"feature_dim": str(DIM), "k": "5", "predictor_type": predictor_type,
            "sample_size": str(ROWS), "mini_batch_size": "100"}


def sample(rng) -> list[SampleData]:
    centres = rng.normal(scale=8.0, size=(CLASSES, DIM))
    label = rng.integers(0, CLASSES, size=ROWS)
    features = (centres[label] + rng.normal(size=(ROWS, DIM))).astype(np.float32)
    labels = label.astype(np.float32)
    points = rng.uniform(-2, 2, size=(ROWS, DIM)).astype(np.float32)
    values = (np.sin(points[:, 0]) * 3 + points[:, 1] ** 2).astype(np.float32)
    return [
        SampleData(
            channels={"train": (features, labels), "test": (features[:60], labels[:60])},
            hyperparameters=_hyperparameters("classifier"),
            content_type="text/csv;label_size=1",
            quality=_accuracy),
        SampleData(
            channels={"train": (points, values), "test": (points[:60], values[:60])},
            hyperparameters=_hyperparameters("regressor"),
            content_type="text/csv;label_size=1",
            quality=_explained),
    ]
