"""A batch of records read from one source: features, labels and where they came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from .errors import describe_location
from .sparse import is_csr, issparse, scipy_sparse


@dataclass
class Batch:
    """``features`` is a 2-D numpy array (dense records) or a ``scipy.sparse.csr_matrix`` (sparse
    records); ``labels`` a 1-D numpy array or None. ``first_record`` is the 0-based index in the
    source of the batch's first row; ``weights`` the records' instance weights when the format
    carries them (LIBSVM's ``label:weight``), else None. ``features, labels = batch`` unpacks it."""

    features: Any
    labels: np.ndarray | None
    source: str | None
    first_record: int
    offsets: np.ndarray | None = field(default=None, repr=False)  # byte offset of each record
    lines: np.ndarray | None = field(default=None, repr=False)  # 1-based line of each row (text)
    weights: np.ndarray | None = field(default=None, repr=False)  # instance weights (libsvm)
    qids: np.ndarray | None = field(default=None, repr=False)  # ranking query ids (libsvm)

    def __iter__(self):
        return iter((self.features, self.labels))

    def __len__(self) -> int:
        return self.features.shape[0]

    @property
    def sparse(self) -> bool:
        return not isinstance(self.features, np.ndarray)

    def rows(self, lo: int, hi: int) -> "Batch":
        """Rows ``lo:hi`` as a batch of their own (kinds of batch with more columns override it)."""
        return Batch(row_slice(self.features, lo, hi),
                     None if self.labels is None else self.labels[lo:hi],
                     self.source, self.first_record + lo,
                     offsets=None if self.offsets is None else self.offsets[lo:hi],
                     lines=None if self.lines is None else self.lines[lo:hi])

    def location(self, row: int) -> str:
        """Where row ``row`` of this batch came from, for error messages."""
        if self.lines is not None:
            return describe_location(self.source, line=int(self.lines[row]))
        offset = int(self.offsets[row]) if self.offsets is not None else None
        return describe_location(self.source, record=self.first_record + row, offset=offset)


class Batcher:
    """Cuts a stream of (features, labels, offsets) blocks into batches of ``batch_size`` rows."""

    def __init__(self, batch_size: int, source: str, text_rows: bool = False):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.batch_size = batch_size
        self.source = source
        self.text_rows = text_rows  # the positions are line numbers, not byte offsets
        self.pending: list = []
        self.count = 0
        self.next_record = 0

    def add(self, features, labels, positions) -> Iterator[Batch]:
        start = 0
        n = features.shape[0]
        while start < n:
            take = min(self.batch_size - self.count, n - start)
            piece = (row_slice(features, start, start + take),
                     None if labels is None else labels[start:start + take],
                     None if positions is None else positions[start:start + take])
            start += take
            self.pending.append(piece)
            self.count += take
            if self.count == self.batch_size:
                yield self._emit()

    def finish(self) -> Iterator[Batch]:
        if self.count:
            yield self._emit()

    def _emit(self) -> Batch:
        pieces, self.pending = self.pending, []
        if len(pieces) == 1:
            features, labels, positions = pieces[0]
        else:
            fs = [p[0] for p in pieces]
            features = (scipy_sparse().vstack(fs, format="csr") if issparse(fs[0])
                        else np.concatenate(fs))
            labels = None if pieces[0][1] is None else np.concatenate([p[1] for p in pieces])
            positions = None if pieces[0][2] is None else np.concatenate([p[2] for p in pieces])
        batch = Batch(features, labels, self.source, self.next_record,
                      offsets=None if self.text_rows else positions,
                      lines=positions if self.text_rows else None)
        self.next_record += self.count
        self.count = 0
        return batch


def row_slice(features, start: int, stop: int):
    """Rows ``start:stop``: for a CSR matrix, built from slices of its arrays (scipy's row
    slicing costs about four times more, which shows when reading sparse data)."""
    if not is_csr(features):
        return features[start:stop]
    if start == 0 and stop == features.shape[0]:
        return features
    indptr = features.indptr[start:stop + 1]
    lo, hi = int(indptr[0]), int(indptr[-1])
    return scipy_sparse().csr_matrix((features.data[lo:hi], features.indices[lo:hi], indptr - lo),
                         shape=(stop - start, features.shape[1]))
