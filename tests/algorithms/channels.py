"""In-memory data channels for algorithm tests: what the container hands an algorithm, minus files.

``ArrayChannel(features, labels)`` yields :class:`ArrayBatch` objects shaped like the batches
``smemu.formats`` readers yield (``features``, ``labels``, ``location(row)``, unpacking), one pass
per ``batches()`` call, and counts the passes made. ``max_batch`` caps the rows of a batch below
the size asked for (as readers do at the end of each file).
"""

from __future__ import annotations

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
                 content_type: str = "application/x-recordio-protobuf", source: str | None = None,
                 max_batch: int | None = None):
        self.features = sp.csr_matrix(features) if sp.issparse(features) else np.asarray(features)
        self.labels = None if labels is None else np.asarray(labels)
        self.name = name
        self.content_type = content_type
        self.source = source or f"{name}/part-0.pbr"
        self.max_batch = max_batch
        self.passes = 0

    def batches(self, batch_size: int):
        self.passes += 1
        n = self.features.shape[0]
        batch_size = min(batch_size, self.max_batch or batch_size)
        for lo in range(0, n, batch_size):
            hi = min(n, lo + batch_size)
            labels = None if self.labels is None else self.labels[lo:hi]
            yield ArrayBatch(self.features[lo:hi], labels, self.source, lo)


def channels(**named):
    """``channels(train=(X, y), validation=(X, y))`` -> {name: ArrayChannel} for a job's channels."""
    return {name: ArrayChannel(*value, name=name) for name, value in named.items()}
