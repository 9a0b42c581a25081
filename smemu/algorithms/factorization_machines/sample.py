"""A tiny problem only pairwise interactions explain: sparse one-hot (user, item) pairs whose
label is the sign of a low-rank user·item affinity, written as sparse RecordIO-protobuf."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.descriptor import RECORDIO_PROTOBUF, SampleData

USERS, ITEMS, RANK, ROWS = 20, 20, 2, 1200


def interaction_data(rng, rows: int = ROWS, users: int = USERS, items: int = ITEMS,
                     rank: int = RANK):
    """(CSR one-hot features of width users + items, 0/1 labels): the label is 1 when the hidden
    user and item factors agree, which no weight per user or per item can express."""
    user_factors = rng.normal(size=(users, rank))
    item_factors = rng.normal(size=(items, rank))
    u = rng.integers(0, users, size=rows)
    i = rng.integers(0, items, size=rows)
    labels = ((user_factors[u] * item_factors[i]).sum(axis=1) > 0).astype(np.float32)
    features = sp.csr_matrix(
        (np.ones(2 * rows, dtype=np.float32),
         np.stack([u, users + i], axis=1).ravel(), np.arange(0, 2 * rows + 1, 2)),
        shape=(rows, users + items))
    return features, labels


def _quality(predictions, features, labels):
    """Training accuracy; the floor is the majority class plus 15 points."""
    accuracy = float((predictions["predicted_label"] == labels).mean())
    majority = max(labels.mean(), 1 - labels.mean())
    return accuracy, min(majority + 0.15, 0.9)


def sample(rng) -> SampleData:
    features, labels = interaction_data(rng)
    return SampleData(
        channels={"train": (features, labels), "test": (features[:200], labels[:200])},
        hyperparameters={"feature_dim": str(USERS + ITEMS), "num_factors": "8",
                         "predictor_type": "binary_classifier", "epochs": "30",
                         "mini_batch_size": "50", "factors_lr": "0.05", "linear_lr": "0.05",
                         "factors_init_sigma": "0.1", "bias_lr": "0.05"},
        content_type=RECORDIO_PROTOBUF,
        quality=_quality,
    )
