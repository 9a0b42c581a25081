"""Random cut trees (Guha, Mishra, Roy, Schrijvers, "Robust Random Cut Forest Based Anomaly
Detection on Streams", ICML 2016) built on each tree's reservoir sample, stored as flat arrays.

A node of a sample S is cut on dimension i with probability (max_i − min_i) / Σ_j (max_j − min_j),
at a value uniform in [min_i, max_i); points ≤ the value go left. A set of identical points is
one leaf holding their count. Every node keeps its points' bounding box and count, which is all
scoring needs.

The forest is what ``model_algo-1`` holds (an NDArray dict, see ``ARRAY_NAMES``): for every node
of every tree, concatenated, ``cut_dim`` (−1 for a leaf), ``cut_value``, ``left``, ``right``
(global node indices), ``count``, ``box_min`` and ``box_max`` (nodes × feature_dim), plus
``roots`` (one node index per tree).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARRAY_NAMES = ("cut_dim", "cut_value", "left", "right", "count", "box_min", "box_max", "roots")


@dataclass
class Forest:
    cut_dim: np.ndarray  # int32 (nodes,)
    cut_value: np.ndarray  # float32 (nodes,)
    left: np.ndarray  # int32 (nodes,)
    right: np.ndarray  # int32 (nodes,)
    count: np.ndarray  # int32 (nodes,)
    box_min: np.ndarray  # float32 (nodes, feature_dim)
    box_max: np.ndarray  # float32 (nodes, feature_dim)
    roots: np.ndarray  # int32 (trees,)

    @property
    def feature_dim(self) -> int:
        return int(self.box_min.shape[1])

    @property
    def trees(self) -> int:
        return int(self.roots.shape[0])

    @property
    def range_sum(self) -> np.ndarray:
        """Σ over dimensions of each node's box ranges (float64, computed once)."""
        if getattr(self, "_range_sum", None) is None:
            self._range_sum = (self.box_max - self.box_min).sum(axis=1, dtype=np.float64)
        return self._range_sum

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in ARRAY_NAMES}

    @classmethod
    def from_arrays(cls, arrays) -> "Forest":
        return cls(**{name: np.asarray(arrays[name]) for name in ARRAY_NAMES})


def build_forest(samples: np.ndarray, rng: np.random.Generator) -> Forest:
    """One tree per ``samples[t]`` ((trees, points, feature_dim)), all trees grown together one
    level at a time: each step groups the points still in internal nodes by node, takes every
    group's bounding box at once, and cuts every group that has two distinct points."""
    samples = np.asarray(samples, dtype=np.float32)
    trees, size, dim = samples.shape
    capacity = trees * max(2 * size - 1, 1)
    cut_dim = np.full(capacity, -1, dtype=np.int32)
    cut_value = np.zeros(capacity, dtype=np.float32)
    left = np.full(capacity, -1, dtype=np.int32)
    right = np.full(capacity, -1, dtype=np.int32)
    count = np.zeros(capacity, dtype=np.int32)
    box_min = np.zeros((capacity, dim), dtype=np.float32)
    box_max = np.zeros((capacity, dim), dtype=np.float32)

    points = samples.reshape(trees * size, dim)
    node_of = np.repeat(np.arange(trees), size)  # the roots are nodes 0 .. trees-1
    active = np.arange(trees * size)
    next_id = trees
    while active.size:
        order = active[np.argsort(node_of[active], kind="stable")]
        nodes, starts = np.unique(node_of[order], return_index=True)
        lo = np.minimum.reduceat(points[order], starts, axis=0)
        hi = np.maximum.reduceat(points[order], starts, axis=0)
        sizes = np.diff(np.append(starts, order.size))
        box_min[nodes], box_max[nodes], count[nodes] = lo, hi, sizes
        span = (hi - lo).astype(np.float64)
        total = span.sum(axis=1)
        cut = (sizes > 1) & (total > 0.0)
        if not cut.any():
            break
        nodes, lo, hi, span, total = nodes[cut], lo[cut], hi[cut], span[cut], total[cut]
        # the dimension: P(i) = span_i / total; the value: uniform in [lo_i, hi_i)
        target = rng.random(nodes.size) * total
        chosen = (np.cumsum(span, axis=1) <= target[:, None]).sum(axis=1)
        chosen = np.minimum(chosen, dim - 1)
        bad = span[np.arange(nodes.size), chosen] <= 0.0  # float edge: take the last ranged one
        if bad.any():
            last = dim - 1 - np.argmax((span[bad] > 0.0)[:, ::-1], axis=1)
            chosen[bad] = last
        rows = np.arange(nodes.size)
        low, width = lo[rows, chosen], span[rows, chosen]
        value = (low + rng.random(nodes.size) * width).astype(np.float32)
        top = hi[rows, chosen]
        value = np.where(value >= top, np.nextafter(top, low), value).astype(np.float32)
        cut_dim[nodes], cut_value[nodes] = chosen, value
        left[nodes] = next_id + 2 * rows
        right[nodes] = next_id + 2 * rows + 1
        next_id += 2 * nodes.size
        # the points of cut nodes move to a child; the others (in leaves) are done
        slot = np.full(capacity, -1, dtype=np.int64)
        slot[nodes] = rows
        where = slot[node_of[active]]
        moving = where >= 0
        active, where = active[moving], where[moving]
        goes_left = points[active, chosen[where]] <= value[where]
        node_of[active] = np.where(goes_left, left[nodes[where]], right[nodes[where]])
    return Forest(cut_dim=cut_dim[:next_id], cut_value=cut_value[:next_id], left=left[:next_id],
                  right=right[:next_id], count=count[:next_id], box_min=box_min[:next_id],
                  box_max=box_max[:next_id], roots=np.arange(trees, dtype=np.int32))
