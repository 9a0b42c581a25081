"""A tiny classification problem k-NN must solve: three well separated labelled blobs."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.descriptor import SampleData

CLASSES, DIM, ROWS = 3, 4, 300


def _quality(predictions, features, labels):
    """Accuracy on the train records; the floor is the majority class's share plus a margin."""
    accuracy = float(np.mean(predictions["predicted_label"] == labels))
    return accuracy, np.bincount(labels.astype(int)).max() / len(labels) + 0.3


def sample(rng) -> SampleData:
    centres = rng.normal(scale=8.0, size=(CLASSES, DIM))
    label = rng.integers(0, CLASSES, size=ROWS)
    features = (centres[label] + rng.normal(size=(ROWS, DIM))).astype(np.float32)
    labels = label.astype(np.float32)
    return SampleData(
        channels={"train": (features, labels), "test": (features[:60], labels[:60])},
        hyperparameters={"feature_dim": str(DIM), "k": "5", "predictor_type": "classifier",
                         "sample_size": str(ROWS), "mini_batch_size": "100"},
        quality=_quality,
    )
