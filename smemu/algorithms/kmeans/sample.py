"""A tiny clustering problem k-means must solve: well separated Gaussian blobs."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.descriptor import SampleData

K, DIM, ROWS = 3, 4, 300


def _quality(predictions, features, labels):
    """Fraction of records whose cluster holds mostly records of their own blob (1.0 when the
    blobs are found); the floor is what one cluster for everything would score, plus a margin."""
    clusters = predictions["closest_cluster"].astype(int)
    agree = 0
    for c in np.unique(clusters):
        members = labels[clusters == c].astype(int)
        agree += np.bincount(members).max()
    return agree / len(labels), 1.0 / K + 0.5


def sample(rng) -> SampleData:
    centres = rng.normal(scale=10.0, size=(K, DIM))
    blob = rng.integers(0, K, size=ROWS)
    features = (centres[blob] + rng.normal(size=(ROWS, DIM))).astype(np.float32)
    return SampleData(
        channels={"train": (features, None), "test": (features[:60], None)},
        hyperparameters={"k": str(K), "feature_dim": str(DIM), "mini_batch_size": "100",
                         "eval_metrics": '["msd", "ssd"]'},
        content_type="text/csv;label_size=0",
        quality=_quality,
        truth=blob,
    )
