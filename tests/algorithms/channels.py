"""In-memory data channels for algorithm tests: what the container hands an algorithm, minus files.

``ArrayChannel(features, labels)`` yields :class:`ArrayBatch` objects shaped like the batches
``smemu.formats`` readers yield (``features``, ``labels``, ``location(row)``, unpacking), one pass
per ``batches()`` call, and counts the passes made.
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
