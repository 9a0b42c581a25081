"""The streaming phase: web-scale mini-batch k-means over k * extra_center_factor candidate centres.

Sculley's web-scale k-means as the SageMaker developer guide describes it (algo-kmeans-tech-notes):
candidates start from one batch (uniformly, or by k-means++ D^2 sampling); each mini-batch assigns
its points to their nearest candidate and moves a candidate with (decayed) count n that received m
points of mean d to ``(1 - p) c + p d`` with ``p = m / (n + m)``. With ``half_life_time_size`` h > 0
an observation's weight halves after h further points.

Each candidate also keeps the weighted scatter of its points around it (updated exactly with the
parallel-axis rule), so the reduction to k centres can report the mean squared distance of the
data, not just of the candidates.

smemu's modification: data that arrives in order (a region of the space first seen late in the
stream) would otherwise be absorbed by candidates placed elsewhere. When a mini-batch holds points
far from every candidate (squared distance over ``RECYCLE_RADIUS`` times the mean), the cheapest
pairs of candidates are merged (exactly, counts and scatter included) and the freed candidates
restart on those points. Shuffled data almost never triggers it.
"""

from __future__ import annotations

import numpy as np

from smemu.formats.sparse import issparse
from smemu.algorithms.kmeans.distances import (
    BLOCK_ENTRIES, blas_threads_for, centred, cluster_sums, nearest, row_sq_norms)


#: a point is uncovered when its squared distance exceeds this many times the candidates' mean
RECYCLE_RADIUS = 16.0
#: at most this share of the candidates restarts on uncovered points per mini-batch
RECYCLE_SHARE = 0.05
#: how many of the lightest candidates are searched for a cheap merge partner
MERGE_SEARCH = 256


def _rows(X, idx) -> np.ndarray:
    rows = X[idx]
    return rows.toarray() if issparse(rows) else np.array(rows)


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
    """Candidate centres with their weights, updated one mini-batch at a time.

    Centres are kept relative to ``origin`` (see :func:`.distances.origin_of`); ``update`` takes
    batches as they come and measures them from it.
    """

    def __init__(self, centres: np.ndarray, half_life_time_size: int = 0,
                 origin: np.ndarray | None = None):
        self.origin = origin
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
        X = centred(X, self.origin)
        n_centres = self.centres.shape[0]
        idx, dist = nearest(X, self.centres.astype(X.dtype))
        with blas_threads_for(1, *self.centres.shape):  # small products: one thread
            recycled = self._recycle(X, dist)
        if recycled:
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

    def _recycle(self, X, dist: np.ndarray) -> bool:
        """Restart some candidates on the batch's uncovered points; True if any moved."""
        total = self.counts.sum()
        if total <= 0 or self.scatter.sum() <= 0:
            return False
        limit = RECYCLE_RADIUS * self.scatter.sum() / total
        far = np.flatnonzero(dist > limit)
        if len(far) == 0:
            return False
        budget = min(len(far), max(1, int(RECYCLE_SHARE * len(self.centres))))
        # farthest uncovered point first, then the one farthest from those already taken
        far_rows = X[far]
        far_sq = row_sq_norms(far_rows)
        remaining = dist[far].copy()
        picks = []
        while len(picks) < budget:
            j = int(np.argmax(remaining))
            if remaining[j] <= limit:
                break
            picks.append(j)
            _, to_pick = nearest(far_rows, _rows(far_rows, [j]).astype(far_rows.dtype), x_sq=far_sq)
            np.minimum(remaining, to_pick, out=remaining)
        slots = self._free(len(picks))
        self.centres[slots] = _rows(far_rows, picks[:len(slots)])
        self.counts[slots] = 0.0
        self.scatter[slots] = 0.0
        return len(slots) > 0

    def _free(self, wanted: int) -> np.ndarray:
        """Indices of up to ``wanted`` candidates made free: unused ones first, then by merging
        the pairs of candidates whose merge adds the least scatter."""
        unused = np.flatnonzero(self.counts <= 0)[:wanted]
        if len(unused) >= wanted:
            return unused
        live = np.flatnonzero(self.counts > 0)
        if len(live) < 2:
            return unused
        # the cheapest merges involve light candidates: look for partners of the lightest few only
        n_light = min(len(live), max(MERGE_SEARCH, 4 * wanted))
        light = np.argpartition(self.counts[live], n_light - 1)[:n_light]
        points = self.centres[live].astype(np.float32)
        p_sq = row_sq_norms(points)
        partner = np.empty(n_light, dtype=np.int64)
        step = max(1, BLOCK_ENTRIES // len(live))
        for lo in range(0, n_light, step):
            rows = light[lo:lo + step]
            d = p_sq[rows, None] - 2 * (points[rows] @ points.T) + p_sq[None, :]
            d[np.arange(len(rows)), rows] = np.inf
            partner[lo:lo + len(rows)] = np.argmin(d, axis=1)
        # exact merge costs for the pairs found
        diff = self.centres[live[light]] - self.centres[live[partner]]
        gap = np.einsum("ij,ij->i", diff, diff)
        w = self.counts[live]
        cost = w[light] * w[partner] / (w[light] + w[partner]) * gap
        freed, used = list(unused), np.zeros(len(live), dtype=bool)
        for pair in np.argsort(cost, kind="stable"):
            if len(freed) >= wanted:
                break
            a, b = light[pair], partner[pair]
            if used[a] or used[b]:
                continue
            used[a] = used[b] = True
            i, j = live[a], live[b]  # fold i into j
            wi, wj = self.counts[i], self.counts[j]
            self.scatter[j] += self.scatter[i] + cost[pair]
            self.centres[j] = (wi * self.centres[i] + wj * self.centres[j]) / (wi + wj)
            self.counts[j] = wi + wj
            freed.append(i)
        return np.array(freed, dtype=np.int64)
