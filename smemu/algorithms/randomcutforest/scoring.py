"""Anomaly scores: the expected collusive displacement (CoDisp) of a point inserted into each
tree, averaged over the trees (Guha et al. 2016, §3-4).

Inserting x into a tree (the paper's insertion algorithm) walks down from the root: at a node
whose box B becomes B' = B ∪ {x}, a random cut of B' (dimension ∝ range, value uniform)
separates x from B with probability p = Σ_i ext_i / Σ_i range'_i, ext_i being how far x lies
outside B in dimension i; then x becomes a leaf beside that node. Otherwise x follows the node's
own cut. x's CoDisp is the largest, over the nodes on its path, of (size of the sibling subtree)
/ (size of the subtree holding x): n_node / 1 where x is separated, n_sibling / (n_child + 1) at
the ancestors above. Rather than draw one insertion, the expectation over the insertion's random
cuts is summed exactly along the path: Σ_k P(reach k) · p_k · max(n_k, worst ancestor ratio). A
point equal to a leaf's joins it (its CoDisp is the ancestors' worst ratio).

Every (record, tree) pair of a chunk descends together, one level per step (vectorised over
records and trees).
"""

from __future__ import annotations

import numpy as np

from smemu.algorithms.randomcutforest.forest import Forest

try:  # the compiled twin of _expected_codisp (setup.py builds it where a C compiler is found)
    from smemu.algorithms.randomcutforest import _codisp_c
except ImportError:  # pragma: no cover - depends on the build
    _codisp_c = None

#: records scored at once; every record descends every tree in the same step
CHUNK = 2048


def _expected_codisp(forest: Forest, X: np.ndarray) -> np.ndarray:
    """(records,) sum over trees of the expected CoDisp of each record of ``X``."""
    n, trees = X.shape[0], forest.trees
    range_sum = forest.range_sum
    record = np.repeat(np.arange(n), trees)            # one (record, tree) pair per walk
    node = np.tile(forest.roots.astype(np.int64), n)
    score = np.zeros(n * trees)
    reach = np.ones(n * trees)
    worst = np.zeros(n * trees)
    walk = np.arange(n * trees)
    while walk.size:
        x = X[record[walk]]
        top = np.maximum(forest.box_max[node], x)
        top -= np.minimum(forest.box_min[node], x)
        span = top.sum(axis=1, dtype=np.float64)  # the box's ranges once x is added
        outside = span - range_sum[node]
        p = np.divide(outside, span, out=np.zeros_like(outside), where=span > 0)
        here, bad = reach[walk], worst[walk]
        gain = p * np.maximum(forest.count[node], bad)
        leaf = forest.cut_dim[node] < 0
        gain[leaf & (p == 0.0)] = bad[leaf & (p == 0.0)]   # equal to a leaf's points: joins it
        score[walk] += here * gain
        reach[walk] = here * (1.0 - p)
        down = ~leaf & (p < 1.0)
        walk, node, x = walk[down], node[down], x[down]
        dim = forest.cut_dim[node]
        goes_left = x[np.arange(walk.size), dim] <= forest.cut_value[node]
        child = np.where(goes_left, forest.left[node], forest.right[node])
        sibling = np.where(goes_left, forest.right[node], forest.left[node])
        worst[walk] = np.maximum(worst[walk], forest.count[sibling] / (forest.count[child] + 1.0))
        node = child
    return score.reshape(n, trees).sum(axis=1)


def _compiled(forest: Forest, X: np.ndarray) -> np.ndarray:
    out = np.zeros(X.shape[0])
    c = np.ascontiguousarray
    _codisp_c.expected_codisp(
        c(X, dtype=np.float32), c(forest.box_min, dtype=np.float32),
        c(forest.box_max, dtype=np.float32), c(forest.range_sum, dtype=np.float64),
        c(forest.cut_dim, dtype=np.int32), c(forest.cut_value, dtype=np.float32),
        c(forest.left, dtype=np.int32), c(forest.right, dtype=np.int32),
        c(forest.count, dtype=np.int32), c(forest.roots, dtype=np.int32), out)
    return out


def codisp_scores(forest: Forest, X, compiled: bool = True) -> np.ndarray:
    """The mean over trees of each record's expected CoDisp ((records,) float64); by the compiled
    module when it is built (``compiled=False`` forces the numpy walk)."""
    X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float32)
    if X.ndim != 2 or X.shape[1] != forest.feature_dim:
        raise ValueError(f"records of width {forest.feature_dim} expected, not {X.shape}")
    if compiled and _codisp_c is not None:
        return _compiled(forest, X) / forest.trees
    out = np.empty(X.shape[0])
    for start in range(0, X.shape[0], CHUNK):
        out[start:start + CHUNK] = _expected_codisp(forest, X[start:start + CHUNK]) / forest.trees
    return out
