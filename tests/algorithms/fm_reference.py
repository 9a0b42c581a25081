"""The factorization machine's prediction evaluated straight from its definition, pair by pair:
the independent reference smemu's vectorised arithmetic and served answers are checked against."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def fm_direct(w0, w1, v, X) -> np.ndarray:
    """ŷ = w0 + Σ w_i x_i + Σ_{i<j} <v_i, v_j> x_i x_j, pair by pair (Rendle 2010, eq. 1)."""
    X = np.asarray(X.todense() if sp.issparse(X) else X, dtype=np.float64)
    w1 = np.asarray(w1, dtype=np.float64).reshape(-1)
    v = np.asarray(v, dtype=np.float64)
    out = np.empty(X.shape[0])
    for r, x in enumerate(X):
        nz = np.flatnonzero(x)
        total = float(w0.reshape(-1)[0]) + float(x @ w1)
        for a in range(len(nz)):
            for b in range(a + 1, len(nz)):
                i, j = nz[a], nz[b]
                total += float(v[i] @ v[j]) * x[i] * x[j]
        out[r] = total
    return out
