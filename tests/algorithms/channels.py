"""In-memory data channels for algorithm tests: what the container hands an algorithm, minus files.
(k-means' tests use ArrayChannel, linear learner's MemoryChannel via ``channels(...)``.)

``ArrayChannel(features, labels)`` yields :class:`ArrayBatch` objects shaped like the batches
``smemu.formats`` readers yield (``features``, ``labels``, ``location(row)``, unpacking), one pass
per ``batches()`` call, and counts the passes made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


class ArrayBatch:
    def __init__(self, features, labels, source: str, first_record: int):
        self.features = features
        self.labels = labels
        self.source = source
        self.first_record = first_record

    def location(self, row: int) -> str:
        return f"record {self.first_record + row} of file {self.source}"

    def __iter__(self):
        return iter((self.features, self.labels))


class ArrayChannel:
    def __init__(self, features, labels=None, name: str = "train",
                 content_type: str = "application/x-recordio-protobuf", source: str | None = None):
        self.features = sp.csr_matrix(features) if sp.issparse(features) else np.asarray(features)
        self.labels = None if labels is None else np.asarray(labels)
        self.name = name
        self.content_type = content_type
        self.source = source or f"{name}/part-0.pbr"
        self.passes = 0

    def batches(self, batch_size: int):
        self.passes += 1
        n = self.features.shape[0]
        for lo in range(0, n, batch_size):
            hi = min(n, lo + batch_size)
            labels = None if self.labels is None else self.labels[lo:hi]
            yield ArrayBatch(self.features[lo:hi], labels, self.source, lo)


# --- the linear learner tests' channels (merged from branch linear-learner) ---
@dataclass
class MemoryBatch:
    features: object
    labels: np.ndarray | None
    source: str
    first_record: int

    def __iter__(self):
        return iter((self.features, self.labels))

    def location(self, row: int) -> str:
        return f"record {self.first_record + row} of file {self.source}"


class MemoryChannel:
    """A channel over ``features`` (dense array or CSR) and optional ``labels``; every call to
    ``batches`` is a new pass, as a new epoch's pass is in File or Pipe mode."""

    def __init__(self, name, features, labels=None, content_type="application/x-recordio-protobuf"):
        self.name = name
        self.content_type = content_type
        self.features = features
        self.labels = None if labels is None else np.asarray(labels)
        self.passes = 0

    def batches(self, batch_size: int):
        self.passes += 1
        n = self.features.shape[0]
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            labels = None if self.labels is None else self.labels[start:stop]
            yield MemoryBatch(self.features[start:stop], labels, f"{self.name}/part-0.pbr", start)


def channels(**named):
    """``channels(train=(X, y), validation=(X, y))`` -> {name: MemoryChannel}."""
    return {name: MemoryChannel(name, *value) for name, value in named.items()}
