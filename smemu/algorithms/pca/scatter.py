"""One streaming pass over the records, keeping only what PCA needs: O(d²) in regular mode,
O(d·ℓ) in randomized mode, never the records themselves.

Both accumulate about a fixed *shift* ``c`` (the first batch's mean) rather than about zero, so
that the centred scatter ``Σ(x-μ)(x-μ)ᵀ = Σ(x-c)(x-c)ᵀ - n(μ-c)(μ-c)ᵀ`` is taken without the
cancellation that ``Σxxᵀ - nμμᵀ`` suffers when the data sit far from the origin. Sparse batches
are never densified (and are multiplied in float64): products with ``x - c`` are expanded (``Xᵀ X - c sᵀ - s cᵀ + n c cᵀ``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class _Shifter:
    """(X - c) for dense batches, in the batch's own precision (float32 records give a float32
    product per batch, twice as fast; the sums across batches are float64), written into one
    reused buffer rather than a fresh array per batch. With ``ones_column`` the buffer has one
    more column, of ones, so that ``AᵀA`` of the result also holds ``Σ(x-c)`` (its last row) and
    the count: one BLAS product per batch gives both, and no separate pass sums the batch."""

    def __init__(self, ones_column: bool = False):
        self.buffer = np.empty((0, 0))
        self.extra = int(ones_column)

    def __call__(self, X, c):
        X = np.asarray(X)
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
        rows, cols = X.shape[0], X.shape[1] + self.extra
        if self.buffer.dtype != dtype or self.buffer.shape[0] < rows or self.buffer.shape[1] != cols:
            self.buffer = np.empty((max(rows, 1), cols), dtype)
            self.buffer[:, X.shape[1]:] = 1.0
        out = self.buffer[:rows]
        np.subtract(X, c.astype(dtype), out=out[:, :X.shape[1]], casting="unsafe")
        return out


class Moments:
    """Count, sum and shift of the records seen: the mean, and the shift the products use (the
    first batch's mean when ``centred``, else the origin)."""

    def __init__(self, dim: int, centred: bool):
        self.count = 0
        self.centred = centred
        self.shift: np.ndarray | None = None
        self.shifted_sum = np.zeros(dim)          # Σ (x - c)

    def start(self, X) -> np.ndarray:
        """The shift, fixed by the first batch."""
        if self.shift is None:
            # a float32 value, so that float32 batches subtract exactly this shift
            self.shift = (np.asarray(X.mean(axis=0, dtype=np.float64)).ravel()
                          .astype(np.float32).astype(np.float64) if self.centred
                          else np.zeros(X.shape[1]))
        return self.shift

    def add(self, X) -> None:
        n = X.shape[0]
        self.add_shifted(n, np.asarray(X.sum(axis=0, dtype=np.float64)).ravel() - n * self.shift)

    def add_shifted(self, n: int, shifted_sum) -> None:
        """``n`` records whose ``Σ(x - c)`` is already known."""
        self.shifted_sum += shifted_sum
        self.count += n

    @property
    def mean(self) -> np.ndarray:
        return self.shift + self.shifted_sum / self.count


class ShiftedProducts:
    """``Σ (x-c)(x-c)ᵀ R`` over the records, for a fixed d×ℓ matrix ``R`` (None: the identity,
    i.e. the scatter matrix itself), and the same about the mean at the end."""

    def __init__(self, dim: int, subtract_mean: bool, right: np.ndarray | None = None):
        self.moments = Moments(dim, subtract_mean)
        self.subtract_mean = subtract_mean
        self.right = right
        self.product = np.zeros((dim, dim if right is None else right.shape[1]))
        self._shifted = _Shifter(ones_column=right is None)

    def _times_right(self, A):
        return A if self.right is None else A @ self.right

    def add(self, X) -> None:
        m = self.moments
        c = m.start(X)
        if sp.issparse(X):
            # Xᵀ(X R - 1 (cR)ᵀ) - c (sR - n cR)ᵀ, with s = Σx: no dense copy of X
            X = X.astype(np.float64)
            s = np.asarray(X.sum(axis=0)).ravel()
            xr, cr, sr = self._times_right(X), self._times_right(c), self._times_right(s)
            xtxr = X.T @ xr
            xtxr = xtxr.toarray() if sp.issparse(xtxr) else np.asarray(xtxr)
            self.product += xtxr - np.outer(s, cr) - np.outer(c, sr - X.shape[0] * cr)
            m.add(X)
        elif self.right is None:
            # [X-c, 1]ᵀ[X-c, 1]: the scatter block, and Σ(x-c) in its last row
            A = self._shifted(X, c)
            full = A.T @ A
            d = X.shape[1]
            self.product += full[:d, :d]
            m.add_shifted(X.shape[0], full[d, :d])
        else:
            Xc = self._shifted(X, c)
            self.product += Xc.T @ (Xc @ self.right.astype(Xc.dtype, copy=False))
            m.add(X)

    def about_mean(self) -> np.ndarray:
        """The accumulated product about the mean (about the origin without subtract_mean)."""
        m = self.moments
        if not self.subtract_mean:
            return self.product                  # shift 0: Σ x xᵀ R
        d = m.mean - m.shift
        return self.product - m.count * np.outer(d, self._times_right(d))


class ScatterMatrix(ShiftedProducts):
    """Regular mode: the exact d×d scatter matrix, about the mean or about the origin."""

    def __init__(self, dim: int, subtract_mean: bool):
        super().__init__(dim, subtract_mean)

    def components(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(singular values, d×k components), largest first."""
        values, vectors = np.linalg.eigh(self.about_mean())
        order = np.argsort(values)[::-1][:k]
        return np.sqrt(np.clip(values[order], 0.0, None)), vectors[:, order]


class NystromSketch(ShiftedProducts):
    """Randomized mode: ``Y = S Ω`` for the scatter matrix S and a d×ℓ random sign matrix Ω,
    gathered batch by batch (``Y += (X-c)ᵀ((X-c) Ω)``), then S ≈ Y (Ωᵀ Y)⁺ Yᵀ, the Nyström
    approximation of a positive semi-definite matrix from one streaming pass (Tropp, Yurtsever,
    Udell and Cevher, "Fixed-rank approximation of a positive-semidefinite matrix from streaming
    data", NeurIPS 2017). Memory O(d·ℓ)."""

    def __init__(self, dim: int, columns: int, subtract_mean: bool, rng: np.random.Generator):
        super().__init__(dim, subtract_mean,
                         rng.choice(np.array([-1.0, 1.0]), size=(dim, columns)))

    def components(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        y, omega = self.about_mean(), self.right
        # a small shift keeps Ωᵀ Y positive definite (Tropp et al., Algorithm 3)
        nu = np.sqrt(y.shape[0]) * np.finfo(np.float64).eps * max(np.linalg.norm(y), 1e-300)
        y_nu = y + nu * omega
        b = omega.T @ y_nu
        b = (b + b.T) / 2
        try:
            chol = np.linalg.cholesky(b)
        except np.linalg.LinAlgError:        # rank-deficient data: fall back to an eigen-split
            w, q = np.linalg.eigh(b)
            keep = w > w.max() * 1e-12
            e = y_nu @ (q[:, keep] / np.sqrt(w[keep]))
        else:
            e = np.linalg.solve(chol, y_nu.T).T  # Y_ν C⁻ᵀ
        u, sigma, _ = np.linalg.svd(e, full_matrices=False)
        values = np.clip(sigma ** 2 - nu, 0.0, None)
        return np.sqrt(values[:k]), u[:, :k]


def sign_convention(vectors: np.ndarray) -> np.ndarray:
    """Each component flipped so that its largest-magnitude entry is positive: the same data give
    the same signs whatever order the arithmetic ran in."""
    rows = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[rows, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return vectors * signs
