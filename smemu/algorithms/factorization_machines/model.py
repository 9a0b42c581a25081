"""The factorization machine's arithmetic on a CSR batch, never densified.

    ŷ = w0 + Σ_i w_i x_i + ½ Σ_f [(Σ_i v_{i,f} x_i)² − Σ_i v_{i,f}² x_i²]

(Rendle, "Factorization Machines", ICDM 2010, eq. 1 and lemma 3.1). Every function costs
O(nnz · num_factors) for a batch with nnz stored values: the pairwise term is computed from
``X @ V`` and a per-stored-value sum of squares, and gradients are accumulated over the columns
the batch touches only (plus an O(nnz log nnz) sort to group them).

Shapes follow the real model's params: ``w0`` (1,), ``w1`` (feature_dim, 1), ``v``
(feature_dim, num_factors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class FMParams:
    w0: np.ndarray  # (1,)
    w1: np.ndarray  # (feature_dim, 1)
    v: np.ndarray  # (feature_dim, num_factors)


def as_csr(features) -> sp.csr_matrix:
    """A float32 CSR view of a batch (dense batches become CSR of their non-zero values)."""
    if sp.issparse(features):
        return features.tocsr().astype(np.float32, copy=False)
    return sp.csr_matrix(np.asarray(features, dtype=np.float32))


def _rows(X: sp.csr_matrix) -> np.ndarray:
    return np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))


def forward(params: FMParams, X: sp.csr_matrix):
    """``(raw score (n,), X @ v (n, k))`` for the CSR batch ``X``."""
    n = X.shape[0]
    xv = np.asarray(X @ params.v)  # (n, k), the parameters' dtype
    v_rows = params.v[X.indices]  # (nnz, k)
    squares = np.einsum("ij,ij->i", v_rows, v_rows, dtype=np.float64) * np.square(X.data, dtype=np.float64)
    pairwise = 0.5 * (np.einsum("ij,ij->i", xv, xv, dtype=np.float64)
                      - np.bincount(_rows(X), squares, minlength=n))
    linear = np.asarray(X @ params.w1[:, 0], dtype=np.float64)
    return float(params.w0[0]) + linear + pairwise, xv


def predict_raw(params: FMParams, features) -> np.ndarray:
    return forward(params, as_csr(features))[0]


@dataclass
class Gradients:
    """The loss gradient of one batch: ``w0`` (1,), and for the touched ``columns`` only the rows
    of ``w1`` and ``v``."""

    w0: np.ndarray
    columns: np.ndarray
    w1: np.ndarray  # (touched,)
    v: np.ndarray  # (touched, k)


def gradients(params: FMParams, X: sp.csr_matrix, xv: np.ndarray, g: np.ndarray) -> Gradients:
    """Gradients of Σ_r loss_r given ``g`` = ∂loss_r/∂ŷ_r per record.

    ∂ŷ/∂w_i = x_i and ∂ŷ/∂v_{i,f} = x_i (Σ_j v_{j,f} x_j) − v_{i,f} x_i²; summing over the batch,
    column by column, is a product with the (touched columns × records) matrix of g_r x_{r,i}.
    """
    rows = _rows(X)
    columns, slot = np.unique(X.indices, return_inverse=True)
    gx = X.data.astype(np.float64) * g[rows]
    by_column = sp.csr_matrix((gx.astype(xv.dtype), (slot, rows)), shape=(columns.size, X.shape[0]))
    gw1 = np.bincount(slot, gx, minlength=columns.size)
    gx2 = np.bincount(slot, gx * X.data, minlength=columns.size).astype(xv.dtype)
    gv = np.asarray(by_column @ xv)
    gv -= gx2[:, None] * params.v[columns]
    return Gradients(np.array([g.sum()]), columns, gw1, gv)
