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


class _Nodes:
    """Growing node lists for a whole forest."""

    def __init__(self):
        self.cut_dim, self.cut_value, self.left, self.right = [], [], [], []
        self.count, self.box_min, self.box_max = [], [], []

    def new(self, count, lo, hi) -> int:
        self.cut_dim.append(-1)
        self.cut_value.append(0.0)
        self.left.append(-1)
        self.right.append(-1)
        self.count.append(count)
        self.box_min.append(lo)
        self.box_max.append(hi)
        return len(self.count) - 1


def _grow(points: np.ndarray, nodes: _Nodes, rng: np.random.Generator) -> int:
    """Build one tree over ``points``; returns its root's index."""
    root = nodes.new(len(points), points.min(axis=0), points.max(axis=0))
    stack = [(root, np.arange(len(points)))]
    while stack:
        node, members = stack.pop()
        lo, hi = nodes.box_min[node], nodes.box_max[node]
        span = (hi - lo).astype(np.float64)
        total = span.sum()
        if members.size == 1 or total <= 0.0:
            continue  # a leaf: one point, or identical points
        dim = int(np.searchsorted(np.cumsum(span), rng.random() * total, side="right"))
        dim = min(dim, span.size - 1)
        while span[dim] <= 0.0:  # guards the float edge of searchsorted
            dim -= 1
        value = np.float32(lo[dim] + rng.random() * span[dim])
        if value >= hi[dim]:  # rounding to float32 reached the top: keep the cut inside
            value = np.nextafter(hi[dim], lo[dim])
        sub = points[members]
        goes_left = sub[:, dim] <= value
        nodes.cut_dim[node], nodes.cut_value[node] = dim, value
        for child_members, side in ((members[goes_left], "left"), (members[~goes_left], "right")):
            child_points = points[child_members]
            child = nodes.new(child_members.size, child_points.min(axis=0),
                              child_points.max(axis=0))
            getattr(nodes, side)[node] = child
            stack.append((child, child_members))
    return root


def build_forest(samples: np.ndarray, rng: np.random.Generator) -> Forest:
    """One tree per ``samples[t]`` ((trees, points, feature_dim))."""
    nodes = _Nodes()
    roots = [_grow(np.asarray(s, dtype=np.float32), nodes, rng) for s in samples]
    return Forest(
        cut_dim=np.asarray(nodes.cut_dim, dtype=np.int32),
        cut_value=np.asarray(nodes.cut_value, dtype=np.float32),
        left=np.asarray(nodes.left, dtype=np.int32),
        right=np.asarray(nodes.right, dtype=np.int32),
        count=np.asarray(nodes.count, dtype=np.int32),
        box_min=np.asarray(nodes.box_min, dtype=np.float32),
        box_max=np.asarray(nodes.box_max, dtype=np.float32),
        roots=np.asarray(roots, dtype=np.int32),
    )
