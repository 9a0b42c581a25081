"""Tiny problems linear learner must solve, one per predictor type (together they print every
metric its MetricDefinitions name): a noisy linear boundary (trained without a validation channel,
so that the train channel is scored), three linearly separated classes and a noisy linear
regression."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.descriptor import SampleData

DIM, ROWS = 5, 400


def _accuracy(predictions, features, labels):
    """Training accuracy of the predicted labels; the floor is the majority class plus 15 points."""
    accuracy = float((predictions["predicted_label"] == labels).mean())
    majority = np.bincount(labels.astype(int)).max() / len(labels)
    return accuracy, min(majority + 0.15, 0.9)


def _r2(predictions, features, labels):
    """R² of the scores; the floor is 0.8 (the noise leaves about 0.99 to find)."""
    residual = ((predictions["score"] - labels) ** 2).sum()
    return 1.0 - residual / ((labels - labels.mean()) ** 2).sum(), 0.8


def _split(features, labels, hyperparameters, quality, validation=True) -> SampleData:
    channels = {"train": (features, labels), "test": (features[100:200], labels[100:200])}
    if validation:
        channels["validation"] = (features[:100], labels[:100])
    return SampleData(
        channels=channels,
        hyperparameters={"feature_dim": str(DIM), "epochs": "5", "mini_batch_size": "50",
                         **hyperparameters},
        quality=quality,
    )


def sample(rng) -> list[SampleData]:
    features = rng.normal(size=(ROWS, DIM)).astype(np.float32)
    weights = rng.normal(size=(DIM, 3))
    binary = (features @ weights[:, 0] + 0.1 * rng.normal(size=ROWS) > 0).astype(np.float32)
    classes = np.argmax(features @ weights, axis=1).astype(np.float32)
    target = (features @ weights[:, 0] + 0.1 * rng.normal(size=ROWS)).astype(np.float32)
    # with a validation channel the job scores it each epoch; without one it scores the train
    # channel at the end: each classifier kind is trained both ways
    return [
        _split(features, binary, {"predictor_type": "binary_classifier"}, _accuracy),
        _split(features, binary, {"predictor_type": "binary_classifier"}, _accuracy,
               validation=False),
        _split(features, classes, {"predictor_type": "multiclass_classifier", "num_classes": "3"},
               _accuracy),
        _split(features, target, {"predictor_type": "regressor"}, _r2),
        _split(features, target, {"predictor_type": "regressor"}, _r2, validation=False),
    ]
