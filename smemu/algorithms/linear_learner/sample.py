"""A tiny binary classification problem linear learner must solve: a noisy linear boundary."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.descriptor import SampleData

DIM, ROWS = 5, 400


def _quality(predictions, features, labels):
    """Training accuracy of the predicted labels; the floor is the majority class plus 15 points."""
    accuracy = float((predictions["predicted_label"] == labels).mean())
    majority = max(labels.mean(), 1 - labels.mean())
    return accuracy, min(majority + 0.15, 0.9)


def sample(rng) -> SampleData:
    weights = rng.normal(size=DIM)
    features = rng.normal(size=(ROWS, DIM)).astype(np.float32)
    labels = (features @ weights + 0.1 * rng.normal(size=ROWS) > 0).astype(np.float32)
    return SampleData(
        channels={"train": (features, labels), "validation": (features[:100], labels[:100]),
                  "test": (features[100:200], labels[100:200])},
        hyperparameters={"predictor_type": "binary_classifier", "feature_dim": str(DIM),
                         "epochs": "5", "mini_batch_size": "50"},
        quality=_quality,
    )
