"""A uniform random sample of ``sample_size`` records from a stream of batches, in one pass and
O(sample_size · d) memory: every record draws a random key and the sample is the records with the
smallest keys (a vectorised reservoir sample: each subset of the stream is equally likely)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class Reservoir:
    def __init__(self, size: int, rng: np.random.Generator):
        self.size = size
        self.rng = rng
        self.keys = np.empty(0)
        self.features: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.seen = 0

    def add(self, features, labels) -> None:
        X = features.toarray() if sp.issparse(features) else np.asarray(features)
        X = X.astype(np.float32, copy=False)
        y = np.asarray(labels, dtype=np.float32).reshape(X.shape[0], -1)[:, 0]
        keys = self.rng.random(X.shape[0])
        self.seen += X.shape[0]
        if self.features is None:
            self.features, self.labels = X[:0], y[:0]
        if len(self.keys) == self.size and keys.min() >= self.keys.max():
            return                               # nothing of this batch makes the sample
        keys = np.concatenate([self.keys, keys])
        X = np.concatenate([self.features, X])
        y = np.concatenate([self.labels, y])
        if len(keys) > self.size:
            keep = np.argpartition(keys, self.size - 1)[:self.size]
            keep.sort()                          # keep the stream's order among the kept
            keys, X, y = keys[keep], X[keep], y[keep]
        self.keys, self.features, self.labels = keys, X, y
