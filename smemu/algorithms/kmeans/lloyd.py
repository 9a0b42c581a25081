"""The shrinking phase: weighted Lloyd's iterations that reduce the candidates to k centres.

Each trial starts from k candidates (weighted k-means++ or weighted random choice) and runs
Lloyd's method on the weighted candidates until the loss improves by no more than ``tol`` of
itself or ``max_iter`` iterations have run; the trial with the lowest loss wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from smemu.formats.sparse import issparse
from smemu.algorithms.kmeans.distances import blas_threads_for, cluster_sums, nearest, row_sq_norms


def _weighted_pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    cum = np.cumsum(weights)
    picks = np.searchsorted(cum, rng.random(size) * cum[-1], side="right")
    return np.minimum(picks, len(weights) - 1)


def single(points):
    """float32 copy for the distance products (assignments need no more; means and costs are
    accumulated in float64)."""
    return points.astype(np.float32)


def init_kmeanspp(points, weights, k, rng, p_sq=None, fast=None) -> np.ndarray:
    """Greedy weighted k-means++: of 2 + ln k D^2-sampled candidates, keep the one lowering the
    weighted potential most."""
    n = points.shape[0]
    p_sq = row_sq_norms(points) if p_sq is None else p_sq
    fast = single(points) if fast is None else fast
    n_local = 2 + int(math.log(k))
    first = int(_weighted_pick(rng, weights, 1)[0])
    chosen = [first]
    _, closest = nearest(fast, fast[[first]], x_sq=p_sq)
    for _ in range(1, k):
        potential = weights * closest
        if potential.sum() <= 0:  # all mass sits on chosen centres: take any point
            cand = rng.integers(n, size=1)
        else:
            cand = _weighted_pick(rng, potential, n_local)
        # each point's squared distance to its closest centre if a candidate joined: (n_cand, n)
        cross = fast[cand] @ fast.T
        d = np.maximum(p_sq[cand][:, None] - 2 * cross + p_sq[None, :], 0.0)
        np.minimum(d, closest[None, :], out=d)
        best = int(np.argmin(d @ weights))
        chosen.append(int(cand[best]))
        closest = d[best]
    return points[chosen].copy()


def init_random(points, weights, k, rng) -> np.ndarray:
    """k distinct candidates drawn with probability proportional to their weight."""
    positive = np.flatnonzero(weights > 0)
    if len(positive) >= k:
        p = weights[positive] / weights[positive].sum()
        chosen = rng.choice(positive, size=k, replace=False, p=p)
    else:  # fewer weighted candidates than k: use them all, then repeat some (Lloyd moves them)
        extra = rng.choice(len(weights), size=k - len(positive), replace=len(weights) < k)
        chosen = np.concatenate([positive, extra])
    return points[np.sort(chosen)].copy()


def lloyd(points, weights, centres, max_iter: int, tol: float, p_sq=None,
          fast=None) -> tuple[np.ndarray, float]:
    """Run weighted Lloyd's iterations from ``centres``; returns the centres and their weighted SSD."""
    k = centres.shape[0]
    p_sq = row_sq_norms(points) if p_sq is None else p_sq
    fast = single(points) if fast is None else fast
    idx, dist = nearest(fast, single(centres), x_sq=p_sq)
    cost = float(weights @ dist)
    for _ in range(max_iter):
        mass = np.bincount(idx, weights=weights, minlength=k)
        sums = cluster_sums(points, idx, k, weights)
        new = centres.copy()
        full = mass > 0
        new[full] = sums[full] / mass[full, None]
        empty = np.flatnonzero(~full)
        if len(empty):  # move empty centres onto the worst-served points
            far = np.argsort(-(weights * dist), kind="stable")[:len(empty)]
            far_rows = points[far]
            new[empty[:len(far)]] = far_rows.toarray() if issparse(far_rows) else far_rows
        new_idx, new_dist = nearest(fast, single(new), x_sq=p_sq)
        new_cost = float(weights @ new_dist)
        if new_cost > cost:  # numerical noise at convergence: keep the better solution
            break
        improved = cost - new_cost
        centres, idx, dist, cost = new, new_idx, new_dist, new_cost
        if improved <= tol * cost:
            break
    return centres, cost


@dataclass
class Reduction:
    centres: np.ndarray
    msd: float
    trial_msds: list


def shrink(points, weights, scatter, k: int, *, trials: int, init_method: str, max_iter: int,
           tol: float, rng: np.random.Generator,
           on_trial: Callable[[int, float], None] | None = None) -> Reduction:
    """Reduce weighted candidates to ``k`` centres, keeping the best of ``trials`` Lloyd runs.

    The reported mean squared distance adds the candidates' own scatter (``scatter``, the weighted
    SSD of their points around them) to the weighted SSD of the candidates to their new centres.
    """
    points = np.asarray(points, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    total_weight = float(weights.sum())
    base = float(np.sum(scatter))
    p_sq = row_sq_norms(points)
    fast = single(points)
    best = None
    msds = []
    for trial in range(trials):
        if init_method == "kmeans++":
            # its products are (2 + ln k) rows at a time: too small to share between threads
            with blas_threads_for(1, *points.shape):
                start = init_kmeanspp(points, weights, k, rng, p_sq, fast)
        else:
            start = init_random(points, weights, k, rng)
        centres, cost = lloyd(points, weights, start, max_iter, tol, p_sq, fast)
        msd = (cost + base) / total_weight
        msds.append(msd)
        if on_trial is not None:
            on_trial(trial, msd)
        if best is None or msd < best.msd:
            best = Reduction(centres, msd, msds)
    return best
