"""Whitening, the robust tensor power method and un-whitening: topics from the moments.

``M2 = sum_i w_i mu_i mu_i^T`` and ``M3 = sum_i 2 w_i / (alpha0 + 2) * mu_i^(x)3`` with
``w_i = alpha_i / (alpha0 (alpha0 + 1))``. With ``W^T M2 W = I`` the vectors
``v_i = sqrt(w_i) W^T mu_i`` are orthonormal and ``T = M3(W, W, W) = sum_i lambda_i v_i^(x)3`` with
``lambda_i = 2 / ((alpha0 + 2) sqrt(w_i))``; the power method finds the pairs one at a time
(Anandkumar, Ge, Hsu, Kakade and Telgarsky, "Tensor Decompositions for Learning Latent Variable
Models", JMLR 2014, Algorithm 1), then ``M2 W v_i = sqrt(w_i) mu_i`` gives each topic back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smemu.algorithms.errors import CustomerError


@dataclass
class Topics:
    alpha: np.ndarray   # (k,) Dirichlet prior of the topic mixtures
    beta: np.ndarray    # (k, vocabulary) word distribution of each topic, rows summing to 1


def whitening(m2_projected: np.ndarray, k: int) -> np.ndarray:
    """``B`` (p x k) with ``B^T (Omega^T M2 Omega) B = I`` on the top k eigenvectors."""
    values, vectors = np.linalg.eigh((m2_projected + m2_projected.T) / 2.0)
    order = np.argsort(values)[::-1][:k]
    top = values[order]
    if len(top) < k or top[-1] <= 1e-12 * max(top[0], 1e-300):
        positive = int((values > 1e-12 * max(values.max(), 1e-300)).sum())
        raise CustomerError(
            f"The training data support at most {positive} topics, fewer than "
            f"num_topics={k}: the word co-occurrence matrix has only {positive} positive "
            f"eigenvalues. Lower num_topics or provide more (and longer) documents.")
    return vectors[:, order] / np.sqrt(top)


def _apply(t: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``T(I, v, v)``."""
    return np.einsum("ijk,j,k->i", t, v, v)


def power_method(t: np.ndarray, max_restarts: int, max_iterations: int, tol: float,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eigenpairs ``(lambdas (k,), vectors (k, k) as rows)`` of a symmetric k x k x k tensor by
    deflation: for each, ``max_restarts`` random starts iterated ``v <- T(I,v,v)/|T(I,v,v)|``
    until the step is under ``tol`` (at most ``max_iterations`` times); the start with the
    largest ``T(v,v,v)`` wins and is deflated from the tensor."""
    t = t.copy()
    k = t.shape[0]
    lambdas = np.zeros(k)
    vectors = np.zeros((k, k))
    for i in range(k):
        best_value, best = -np.inf, None
        for _ in range(max(1, max_restarts)):
            v = rng.standard_normal(k)
            v /= np.linalg.norm(v)
            for _ in range(max_iterations):
                nxt = _apply(t, v)
                norm = np.linalg.norm(nxt)
                if norm == 0.0:
                    break
                nxt /= norm
                step = np.linalg.norm(nxt - v)
                v = nxt
                if step < tol:
                    break
            value = float(np.einsum("i,i->", _apply(t, v), v))
            if value > best_value:
                best_value, best = value, v
        lambdas[i], vectors[i] = best_value, best
        t -= best_value * np.einsum("i,j,k->ijk", best, best, best)
    return lambdas, vectors


def unwhiten(m2_omega: np.ndarray, b: np.ndarray, lambdas: np.ndarray, vectors: np.ndarray,
             alpha0: float) -> Topics:
    """Topics from the eigenpairs: ``mu_i`` proportional to ``M2 W v_i`` (negative noise clipped,
    rows normalised), ``alpha_i = 4 alpha0 (alpha0 + 1) / ((alpha0 + 2)^2 lambda_i^2)``."""
    raw = (m2_omega @ (b @ vectors.T)).T                # k x vocabulary
    flip = raw.sum(axis=1) < 0
    raw[flip] *= -1.0
    beta = np.clip(raw, 0.0, None)
    sums = beta.sum(axis=1, keepdims=True)
    beta = np.where(sums > 0, beta / np.where(sums > 0, sums, 1.0), 1.0 / beta.shape[1])
    lam = np.maximum(np.abs(lambdas), 1e-12)
    alpha = 4.0 * alpha0 * (alpha0 + 1.0) / ((alpha0 + 2.0) ** 2 * lam ** 2)
    return Topics(alpha=alpha, beta=beta)
