"""A tiny anomaly problem: a Gaussian cloud with a few far points, whose test channel labels them."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.descriptor import RECORDIO_PROTOBUF, SampleData

DIM, ROWS, ANOMALIES = 3, 600, 12


def anomaly_data(rng, rows: int = ROWS, dim: int = DIM, anomalies: int = ANOMALIES,
                 shift: tuple[float, float] = (4.0, 6.0)):
    """(features, 0/1 labels): standard normal records, ``anomalies`` of them moved ``shift``
    standard deviations away along every axis (random signs)."""
    features = rng.normal(size=(rows, dim)).astype(np.float32)
    labels = np.zeros(rows, dtype=np.float32)
    far = rng.choice(rows, anomalies, replace=False)
    labels[far] = 1
    features[far] += (rng.choice([-1.0, 1.0], size=(anomalies, dim))
                      * rng.uniform(*shift, size=(anomalies, dim))).astype(np.float32)
    return features, labels


def _separation(predictions, features, labels):
    """The share of anomalies scored more than 3 standard deviations above the normal records'
    mean score; the floor is 0.8."""
    score = predictions["score"]
    normal = score[labels == 0]
    return float((score[labels == 1] > normal.mean() + 3 * normal.std()).mean()), 0.8


HYPERPARAMETERS = {"feature_dim": str(DIM), "num_trees": "50", "num_samples_per_tree": "128"}


def sample(rng) -> list[SampleData]:
    """RecordIO-protobuf with a labelled test channel, and unlabelled CSV (train only)."""
    features, labels = anomaly_data(rng)
    return [
        SampleData(channels={"train": (features, None), "test": (features, labels)},
                   hyperparameters=HYPERPARAMETERS, content_type=RECORDIO_PROTOBUF, truth=labels,
                   quality=_separation),
        SampleData(channels={"train": (features, None)}, hyperparameters=HYPERPARAMETERS,
                   content_type="text/csv;label_size=0", truth=labels, quality=_separation),
    ]
