"""One streaming pass of the word co-occurrence moments spectral LDA decomposes.

For a document with word counts ``c`` and length ``l``, unbiased estimates of the moments of three
distinct word tokens (Anandkumar, Foster, Hsu, Kakade and Liu, "A Spectral Algorithm for Latent
Dirichlet Allocation", 2012) are

* ``E[x1] = c / l``
* ``E[x1 (x) x2] = (c c^T - diag(c)) / (l (l-1))``
* ``E[x1 (x) x2 (x) x3] = (c^(x)3 - sum_i c_i (e_i e_i c + perms) + 2 sum_i c_i e_i^(x)3) / (l (l-1) (l-2))``

The vocabulary may be large, so the cubic moment is never held over words: every word vector is
projected on a fixed random basis ``Omega`` (vocabulary x p, p a little above the number of
topics; the identity when the vocabulary is that small). Whitening then happens within the span
of ``Omega``: any ``W = Omega B`` with ``W^T M2 W = I`` whitens the moments as well as the
eigenvectors of ``M2`` would (the whitened third moment is orthogonally decomposable for every
such ``W``), so the one pass keeps only ``M2 Omega`` (vocabulary x p), the projected cubic moment
(p x p x p) and vectors of the vocabulary's length. The diagonal corrections are linear in the
documents, so they are accumulated as sums and applied once at the end.
"""

from __future__ import annotations

import numpy as np

#: the projected dimension: num_topics plus this margin (capped at the vocabulary size)
SKETCH_MARGIN = 10


def sketch_basis(vocabulary: int, topics: int, rng: np.random.Generator) -> np.ndarray:
    """``Omega``: the identity for a small vocabulary, else a Gaussian vocabulary x p basis."""
    p = topics + max(SKETCH_MARGIN, topics)
    if vocabulary <= p:
        return np.eye(vocabulary)
    return rng.standard_normal((vocabulary, p)) / np.sqrt(p)


class Moments:
    """Sums of the per-document moment estimates, projected on ``omega``, over one pass."""

    def __init__(self, omega: np.ndarray):
        self.omega = omega
        vocabulary, p = omega.shape
        self.documents = 0
        self.skipped = 0
        self.words = 0.0
        self.first = np.zeros(vocabulary)            # sum of c / l
        self.second = np.zeros((vocabulary, p))      # sum of c y^T / n2
        self.second_diag = np.zeros(vocabulary)      # sum of c / n2
        self.third = np.zeros((p, p, p))            # sum of y (x) y (x) y / n3
        self.third_cross = np.zeros((vocabulary, p))  # sum of c y^T / n3
        self.third_diag = np.zeros(vocabulary)       # sum of c / n3

    def add(self, counts) -> None:
        """Fold a batch of documents (dense rows or CSR) into the sums. Documents of fewer than
        three words carry no third-moment information and are counted in ``skipped``."""
        lengths = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
        keep = lengths >= 3
        self.skipped += int((~keep).sum())
        if not keep.any():
            return
        if not keep.all():
            counts = counts[np.flatnonzero(keep)]
            lengths = lengths[keep]
        n2 = lengths * (lengths - 1)
        n3 = n2 * (lengths - 2)
        y = np.asarray(counts @ self.omega)                          # documents x p
        self.documents += len(lengths)
        self.words += float(lengths.sum())
        ct = counts.T
        self.first += np.asarray(ct @ (1.0 / lengths)).ravel()
        self.second += np.asarray(ct @ (y / n2[:, None]))
        self.second_diag += np.asarray(ct @ (1.0 / n2)).ravel()
        yw = y / n3[:, None]
        # sum_d y_d (x) y_d (x) y_d / n3_d as one product: p x (p p)
        outer = (y[:, :, None] * y[:, None, :]).reshape(len(y), -1)
        self.third += (yw.T @ outer).reshape(self.third.shape)
        self.third_cross += np.asarray(ct @ yw)
        self.third_diag += np.asarray(ct @ (1.0 / n3)).ravel()

    def finish(self, alpha0: float):
        """``(M2 Omega, Omega^T M2 Omega, M3(Omega, Omega, Omega))`` for Dirichlet concentration
        ``alpha0``, the moments whose decomposition gives the topics."""
        omega, d = self.omega, float(self.documents)
        m1 = self.first / d
        e2 = (self.second - self.second_diag[:, None] * omega) / d            # E2 Omega
        m1p = omega.T @ m1                                                     # Omega^T M1
        m2 = e2 - alpha0 / (alpha0 + 1.0) * np.outer(m1, m1p)                  # M2 Omega
        e2p = omega.T @ e2                                                     # Omega^T E2 Omega
        cross = np.einsum("ia,ib,ic->abc", omega, omega, self.third_cross)
        diag = np.einsum("i,ia,ib,ic->abc", self.third_diag, omega, omega, omega)
        e3 = (self.third - cross - cross.transpose(0, 2, 1) - cross.transpose(2, 0, 1)
              + 2.0 * diag) / d
        pair = np.einsum("ab,c->abc", e2p, m1p)
        m3 = (e3 - alpha0 / (alpha0 + 2.0) * (pair + pair.transpose(0, 2, 1)
                                               + pair.transpose(2, 0, 1))
              + 2.0 * alpha0 ** 2 / ((alpha0 + 1.0) * (alpha0 + 2.0))
              * np.einsum("a,b,c->abc", m1p, m1p, m1p))
        return m2, omega.T @ m2, m3
