"""The streaming phase: web-scale mini-batch k-means over k * extra_center_factor candidate centres.

Sculley's web-scale k-means as the SageMaker developer guide describes it (algo-kmeans-tech-notes):
candidates start from one batch (uniformly, or by k-means++ D^2 sampling); each mini-batch assigns
its points to their nearest candidate and moves a candidate with (decayed) count n that received m
points of mean d to ``(1 - p) c + p d`` with ``p = m / (n + m)``. With ``half_life_time_size`` h > 0
an observation's weight halves after h further points.

Each candidate also keeps the weighted scatter of its points around it (updated exactly with the
parallel-axis rule), so the reduction to k centres can report the mean squared distance of the
data, not just of the candidates.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.kmeans.distances import cluster_sums, nearest, row_sq_norms


def _rows(X, idx) -> np.ndarray:
    rows = X[idx]
    return rows.toarray() if sp.issparse(rows) else np.array(rows)


def initial_centres(X, n_centres: int, method: str, rng: np.random.Generator) -> np.ndarray:
    """``n_centres`` starting candidates drawn from the rows of ``X`` (float64 array)."""
    n = X.shape[0]
    if method == "random":
        return _rows(X, np.sort(rng.choice(n, size=n_centres, replace=False))).astype(np.float64)
    # k-means++: first uniformly, then each next with probability proportional to D^2
    x_sq = row_sq_norms(X)
    chosen = [int(rng.integers(n))]
    first = _rows(X, chosen).astype(X.dtype)
    _, closest = nearest(X, first, x_sq=x_sq)
    for _ in range(1, n_centres):
        total = closest.sum()
        if total > 0:
            pick = int(np.searchsorted(np.cumsum(closest), rng.random() * total, side="right"))
            pick = min(pick, n - 1)
        else:  # every row sits on a chosen centre: any row will do
            pick = int(rng.integers(n))
        chosen.append(pick)
        _, dist = nearest(X, _rows(X, [pick]).astype(X.dtype), x_sq=x_sq)
        np.minimum(closest, dist, out=closest)
    return _rows(X, chosen).astype(np.float64)


class WebscaleKMeans:
    """Candidate centres with their weights, updated one mini-batch at a time."""

    def __init__(self, centres: np.ndarray, half_life_time_size: int = 0):
        self.centres = np.asarray(centres, dtype=np.float64)
        n = self.centres.shape[0]
        self.counts = np.zeros(n)
        self.scatter = np.zeros(n)
        self.half_life = half_life_time_size
        self.records = 0

    def update(self, X) -> float:
        """Fold one mini-batch (float32 dense array or CSR) in; returns its SSD to the old centres."""
        n_rows = X.shape[0]
        if n_rows == 0:
            return 0.0
        n_centres = self.centres.shape[0]
        idx, dist = nearest(X, self.centres.astype(X.dtype))
        m = np.bincount(idx, minlength=n_centres).astype(np.float64)
        dist_sum = np.bincount(idx, weights=dist, minlength=n_centres)
        sums = cluster_sums(X, idx, n_centres)
        if self.half_life > 0:
            decay = 0.5 ** (n_rows / self.half_life)
            self.counts *= decay
            self.scatter *= decay
        hit = m > 0
        m_hit = m[hit]
        old = self.counts[hit]
        shift = sums[hit] / m_hit[:, None] - self.centres[hit]
        shift_sq = np.einsum("ij,ij->i", shift, shift)
        batch_scatter = np.maximum(dist_sum[hit] - m_hit * shift_sq, 0.0)
        self.scatter[hit] += batch_scatter + old * m_hit / (old + m_hit) * shift_sq
        self.centres[hit] += (m_hit / (old + m_hit))[:, None] * shift
        self.counts[hit] += m_hit
        self.records += n_rows
        return float(dist.sum())
