"""Squared Euclidean distances from rows to centres, for dense arrays and CSR matrices.

``||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2``: the cross term is one BLAS matrix product (or a
sparse-times-dense product, so sparse batches are never densified), computed in row chunks so
that the rows x centres block stays small whatever k is.
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np
from threadpoolctl import ThreadpoolController

from smemu.formats.sparse import issparse, scipy_sparse

#: upper bound on the number of entries of one rows x centres block
BLOCK_ENTRIES = 1 << 22
#: multiply-adds per product below which BLAS threads cost more than they gain (their start-up
#: and hand-over dominate small products, badly so on a busy machine); scikit-learn's KMeans
#: likewise runs BLAS single-threaded
SMALL_PRODUCT = 50_000_000


@functools.lru_cache(maxsize=1)
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()  # scans the loaded libraries once, not at every limit


def blas_threads_for(rows: int, centres: int, dim: int):
    """A context that keeps BLAS single-threaded while the products are rows x centres x dim."""
    if rows * centres * dim < SMALL_PRODUCT:
        return _threadpools().limit(limits=1, user_api="blas")
    return contextlib.nullcontext()


def origin_of(X) -> np.ndarray | None:
    """A point amid dense data (its mean) to measure from, or None for sparse data.

    ``||x||^2 - 2 x.c + ||c||^2`` in float32 loses every digit of a small distance when the data
    sit far from zero (a cluster of spread 1 around 10^4); measured from the data's own mean it
    does not. Sparse data keep zero as origin so that they stay sparse.
    """
    if issparse(X):
        return None
    return np.asarray(X).mean(axis=0, dtype=np.float64)


def centred(X, origin: np.ndarray | None):
    """``X`` measured from ``origin`` (a dense batch when there is an origin), same dtype."""
    if origin is None:
        return X
    dense = X.toarray() if issparse(X) else X
    return dense - origin.astype(dense.dtype)


def row_sq_norms(X) -> np.ndarray:
    """``||x||^2`` of every row, as float64."""
    if issparse(X):
        data = X.data.astype(np.float64, copy=False)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        return np.bincount(rows, weights=data * data, minlength=X.shape[0])
    Xd = np.asarray(X, dtype=np.float64)
    return np.einsum("ij,ij->i", Xd, Xd)


def nearest(X, centres: np.ndarray, x_sq: np.ndarray | None = None,
            c_sq: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row's nearest centre and the squared distance to it (float64, >= 0).

    ``X`` is a dense array or CSR matrix of the same dtype as ``centres`` (float32 keeps the
    product in single-precision BLAS); norms may be passed in when the caller has them.
    """
    n = X.shape[0]
    if x_sq is None:
        x_sq = row_sq_norms(X)
    if c_sq is None:
        c_sq = row_sq_norms(centres)
    c_sq_t = c_sq.astype(centres.dtype)
    ct = np.ascontiguousarray(centres.T)
    idx = np.empty(n, dtype=np.int64)
    best = np.empty(n, dtype=np.float64)
    step = max(1, BLOCK_ENTRIES // max(1, centres.shape[0]))
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        cross = X[lo:hi] @ ct
        if issparse(cross):  # pragma: no cover - csr @ ndarray gives an ndarray
            cross = cross.toarray()
        cross *= -2
        cross += c_sq_t
        j = np.argmin(cross, axis=1)
        idx[lo:hi] = j
        best[lo:hi] = cross[np.arange(hi - lo), j]
    best += x_sq
    np.maximum(best, 0.0, out=best)
    return idx, best


def cluster_sums(X, idx: np.ndarray, n_clusters: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Per-cluster (weighted) sums of the rows of ``X`` as a dense float64 (n_clusters, d) array."""
    n = X.shape[0]
    if issparse(X):
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
        onehot = scipy_sparse().csr_matrix((w, (idx, np.arange(n))), shape=(n_clusters, n))
        return (onehot @ X.astype(np.float64)).toarray()
    # dense: sort rows by cluster and add up each run, accumulating in float64
    order = np.argsort(idx, kind="stable")
    ordered = idx[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    rows = X[order] if weights is None else X[order] * weights[order, None]
    out = np.zeros((n_clusters, X.shape[1]))
    out[ordered[starts]] = np.add.reduceat(rows, starts, axis=0, dtype=np.float64)
    return out
