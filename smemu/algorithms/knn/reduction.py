"""k-NN's dimension reductions, applied to the sample before indexing and to every query after.

* ``sign``: a random projection by a d×t matrix of random signs, scaled by 1/sqrt(t);
* ``fjlt``: a fast Johnson-Lindenstrauss transform: random signs on the d coordinates, an
  orthonormal discrete cosine transform (O(d log d)), then t of the d coordinates drawn at random,
  scaled by sqrt(d/t).

Both preserve L2 distances and inner products in expectation (AWS developer guide, "How the k-NN
Algorithm Works"). A reduction is stored in the model as arrays (``as_arrays``/``from_arrays``).
"""

from __future__ import annotations

import numpy as np
from scipy.fft import dct


class SignProjection:
    kind = "sign"

    def __init__(self, matrix: np.ndarray):
        self.matrix = np.asarray(matrix, dtype=np.float32)

    @classmethod
    def random(cls, dim: int, target: int, rng: np.random.Generator) -> "SignProjection":
        signs = rng.choice(np.array([-1.0, 1.0], np.float32), size=(dim, target))
        return cls(signs / np.float32(np.sqrt(target)))

    def apply(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, dtype=np.float32) @ self.matrix

    def as_arrays(self) -> dict:
        return {"reduction_sign_matrix": self.matrix}


class FJLT:
    kind = "fjlt"

    def __init__(self, signs: np.ndarray, rows: np.ndarray):
        self.signs = np.asarray(signs, dtype=np.float32)
        self.rows = np.asarray(rows, dtype=np.int64)
        self.scale = np.float32(np.sqrt(len(self.signs) / len(self.rows)))

    @classmethod
    def random(cls, dim: int, target: int, rng: np.random.Generator) -> "FJLT":
        return cls(rng.choice(np.array([-1.0, 1.0], np.float32), size=dim),
                   np.sort(rng.choice(dim, size=target, replace=False)))

    def apply(self, X: np.ndarray) -> np.ndarray:
        mixed = dct(np.asarray(X, dtype=np.float64) * self.signs, type=2, norm="ortho", axis=1)
        return (mixed[:, self.rows] * self.scale).astype(np.float32)

    def as_arrays(self) -> dict:
        return {"reduction_fjlt_signs": self.signs,
                "reduction_fjlt_rows": self.rows.astype(np.int64)}


def new_reduction(kind: str | None, dim: int, target: int | None, rng: np.random.Generator):
    if kind is None:
        return None
    return {"sign": SignProjection, "fjlt": FJLT}[kind].random(dim, target, rng)


def reduction_from_arrays(arrays) -> SignProjection | FJLT | None:
    if "reduction_sign_matrix" in arrays:
        return SignProjection(arrays["reduction_sign_matrix"])
    if "reduction_fjlt_signs" in arrays:
        return FJLT(arrays["reduction_fjlt_signs"], arrays["reduction_fjlt_rows"])
    return None
