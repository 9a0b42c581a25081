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


def _accuracy(predictions, features, labels):
    """Training accuracy; the floor is the majority class plus 15 points."""
    accuracy = float((predictions["predicted_label"] == labels).mean())
    majority = max(labels.mean(), 1 - labels.mean())
    return accuracy, min(majority + 0.15, 0.9)


def _rmse_gain(predictions, features, labels):
    """1 − rmse / std(labels): the share of the spread explained; the floor is 0.5."""
    rmse = float(np.sqrt(np.mean((predictions["score"] - labels) ** 2)))
    return 1.0 - rmse / float(labels.std()), 0.5


HYPERPARAMETERS = {"feature_dim": str(USERS + ITEMS), "num_factors": "8", "epochs": "30",
                   "mini_batch_size": "50", "factors_lr": "0.05", "linear_lr": "0.05",
                   "factors_init_sigma": "0.1", "bias_lr": "0.05"}


def sample(rng) -> list[SampleData]:
    """A binary classifier and a regressor (each prints its own metrics)."""
    features, labels = interaction_data(rng)
    cols = features.indices.reshape(-1, 2)
    a, b = rng.normal(size=(USERS, RANK)), rng.normal(size=(ITEMS, RANK))
    values = (a[cols[:, 0]] * b[cols[:, 1] - USERS]).sum(axis=1).astype(np.float32)
    return [
        SampleData(
            channels={"train": (features, labels), "test": (features[:200], labels[:200])},
            hyperparameters=dict(HYPERPARAMETERS, predictor_type="binary_classifier"),
            content_type=RECORDIO_PROTOBUF, quality=_accuracy),
        SampleData(
            channels={"train": (features, values), "test": (features[:200], values[:200])},
            hyperparameters=dict(HYPERPARAMETERS, predictor_type="regressor"),
            content_type=RECORDIO_PROTOBUF, quality=_rmse_gain),
    ]
