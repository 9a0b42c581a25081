"""In-memory data channels for algorithm tests: arrays cut into Batch-like objects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
