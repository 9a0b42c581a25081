"""One uniform reservoir sample of the train stream per tree (Vitter's algorithm R), each tree
drawing independently, vectorised over a batch and over the trees.

After ``t`` records each tree holds a uniform sample of ``min(t, size)`` of them without
replacement: record ``t`` (0-based) replaces slot ``j`` of a tree when that tree's draw
``j ~ U{0..t}`` is below ``size``; within a batch a later record wins a slot, as in the
sequential algorithm.
"""

from __future__ import annotations

import numpy as np


class Reservoirs:
    def __init__(self, trees: int, size: int, feature_dim: int, rng: np.random.Generator):
        self.trees, self.size = trees, size
        self.points = np.zeros((trees, size, feature_dim), dtype=np.float32)
        self.seen = 0
        self.rng = rng

    def add(self, X: np.ndarray) -> None:
        X = np.asarray(X, dtype=np.float32)
        n = X.shape[0]
        t = self.seen + np.arange(n)
        filling = t < self.size
        if filling.any():  # the first `size` records go to every tree, in order
            self.points[:, t[filling]] = X[filling]
        rest = np.flatnonzero(~filling)
        if rest.size:
            draws = np.floor(self.rng.random((rest.size, self.trees)) * (t[rest, None] + 1))
            record, tree = np.nonzero(draws < self.size)
            slot = draws[record, tree].astype(np.int64)
            key = tree * self.size + slot
            # a later record of the batch wins a slot: keep each key's last occurrence
            last = np.unique(key[::-1], return_index=True)[1]
            keep = key.size - 1 - last
            self.points[tree[keep], slot[keep]] = X[rest[record[keep]]]
        self.seen += n

    def samples(self) -> np.ndarray:
        """(trees, min(seen, size), feature_dim)."""
        return self.points[:, :min(self.seen, self.size)]
