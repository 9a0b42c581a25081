"""A tiny PCA problem: records near a 2-dimensional plane in 6 dimensions, off the origin."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.descriptor import SampleData

DIM, COMPONENTS, ROWS = 6, 2, 400


def _quality(predictions, features, labels):
    """The fraction of the records' variance about their mean that the projections keep (near 1
    when the plane is found); the floor is what two random directions would keep, plus a margin."""
    projected = np.asarray(predictions["projection"], dtype=np.float64)
    centred = features - features.mean(axis=0)
    kept = float((projected - projected.mean(axis=0)).var(axis=0).sum() / centred.var(axis=0).sum())
    return kept, COMPONENTS / DIM + 0.4


def sample(rng) -> SampleData:
    basis = np.linalg.qr(rng.normal(size=(DIM, COMPONENTS)))[0]
    latent = rng.normal(size=(ROWS, COMPONENTS)) * np.array([5.0, 3.0])
    features = (latent @ basis.T + 0.05 * rng.normal(size=(ROWS, DIM)) + 7.0).astype(np.float32)
    return SampleData(
        channels={"train": (features, None), "test": (features[:50], None)},
        hyperparameters={"feature_dim": str(DIM), "num_components": str(COMPONENTS),
                         "mini_batch_size": "100"},
        content_type="text/csv;label_size=0",
        quality=_quality,
    )
