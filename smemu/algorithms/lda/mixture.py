"""A document's topic mixture given the topics: mean-field variational inference.

For fixed topics ``beta`` and prior ``alpha``, each document's variational Dirichlet ``gamma`` is
the fixed point of ``gamma = alpha + exp(E[log theta]) * ((c / (exp(E[log theta]) beta)) beta^T)``
(Blei, Ng and Jordan, "Latent Dirichlet Allocation", JMLR 2003, the E-step with the word
assignments summed out), iterated for a whole batch at once over the non-zero counts only. The
mixture is ``gamma`` normalised; the per-word log-likelihood of a document is then
``sum_w c_w log(theta . beta_w) / sum_w c_w``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import digamma

MAX_ITERATIONS = 200
TOLERANCE = 1e-3   # mean change of gamma, in words
#: floor of a topic's word probability, so that a word no topic saw keeps a finite likelihood
WORD_FLOOR = 1e-10


def floored(beta: np.ndarray) -> np.ndarray:
    beta = np.maximum(np.asarray(beta, dtype=np.float64), WORD_FLOOR)
    return beta / beta.sum(axis=1, keepdims=True)


def _nonzeros(counts):
    c = sp.csr_matrix(counts, dtype=np.float64)
    c.sum_duplicates()
    rows = np.repeat(np.arange(c.shape[0]), np.diff(c.indptr))
    return c, rows, c.indices, c.data


def infer(counts, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``gamma`` (documents x k) for word counts ``counts`` (dense or CSR)."""
    c, rows, cols, values = _nonzeros(counts)
    k = len(alpha)
    lengths = np.asarray(c.sum(axis=1)).ravel()
    gamma = alpha[None, :] + (lengths / k)[:, None]
    beta_nz = beta[:, cols].T                                   # nnz x k
    beta_t = np.ascontiguousarray(beta.T)
    for _ in range(MAX_ITERATIONS):
        expect = np.exp(digamma(gamma) - digamma(gamma.sum(axis=1, keepdims=True)))
        norm = np.einsum("ij,ij->i", expect[rows], beta_nz)     # nnz
        weights = values / np.maximum(norm, 1e-300)
        acc = sp.csr_matrix((weights, cols, c.indptr), shape=c.shape) @ beta_t
        new = alpha[None, :] + expect * acc
        change = np.abs(new - gamma).mean()
        gamma = new
        if change < TOLERANCE:
            break
    return gamma


def mixtures(counts, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Topic mixtures (documents x k, rows summing to 1)."""
    gamma = infer(counts, alpha, beta)
    return gamma / gamma.sum(axis=1, keepdims=True)


def log_likelihood(counts, theta: np.ndarray, beta: np.ndarray) -> tuple[float, float]:
    """``(sum of log-likelihoods of the word tokens, number of tokens)`` under mixtures ``theta``."""
    c, rows, cols, values = _nonzeros(counts)
    p = np.einsum("ij,ji->i", theta[rows], beta[:, cols])
    return float(values @ np.log(np.maximum(p, 1e-300))), float(values.sum())
