"""The Faiss index k-NN searches: built from the sample at the end of training, serialised into
the model, and searched at inference.

* ``faiss.Flat``: exact search (``IndexFlatL2`` / ``IndexFlatIP``);
* ``faiss.IVFFlat``: an inverted file over ``nlists`` k-means cells, vectors stored whole;
* ``faiss.IVFPQ``: the same cells, vectors product-quantised into ``m`` sub-vectors; when ``m``
  does not divide the dimension, the vectors are padded with zeros up to the next multiple (as the
  developer guide says the real one does without dimension reduction).

``COSINE`` is inner product on unit vectors: the sample and the queries are normalised. Faiss
answers L2 searches with *squared* distances, ascending, and inner-product searches with
similarities, descending; k-NN's verbose answer passes them on as Faiss gives them.
"""

from __future__ import annotations

import math

import faiss
import numpy as np

def nprobe_for(nlist: int) -> int:
    """How many IVF cells a query visits: sqrt(nlist), chosen by smemu (the real setting is not
    published)."""
    return max(1, min(nlist, round(math.sqrt(nlist))))


def prepare(X: np.ndarray, metric: str, width: int) -> np.ndarray:
    """Vectors as the index holds them: float32, C-ordered, zero-padded to ``width``, unit length
    for COSINE."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    if X.shape[1] < width:
        X = np.hstack([X, np.zeros((X.shape[0], width - X.shape[1]), np.float32)])
    if metric == "COSINE":
        X = X.copy()
        faiss.normalize_L2(X)
    return X


def padded_width(dim: int, index_type: str, pq_m: int | None) -> int:
    if index_type == "faiss.IVFPQ" and pq_m:
        return -(-dim // pq_m) * pq_m
    return dim


def default_pq_m(dim: int) -> int:
    """The sub-vector count when ``faiss_index_pq_m`` is not given (chosen by smemu): the largest
    allowed value leaving at least 4 dimensions per sub-vector."""
    allowed = (1, 2, 3, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 96)
    return max(m for m in allowed if m == 1 or dim // m >= 4)


def build(X: np.ndarray, index_type: str, metric: str, nlist: int, pq_m: int | None,
          seed: int) -> faiss.Index:
    """A trained index holding the rows of ``X`` (already prepared)."""
    n, dim = X.shape
    faiss_metric = faiss.METRIC_L2 if metric == "L2" else faiss.METRIC_INNER_PRODUCT
    flat = faiss.IndexFlatL2 if metric == "L2" else faiss.IndexFlatIP
    if index_type == "faiss.Flat":
        index = flat(dim)
    else:
        nlist = max(1, min(nlist, n))            # k-means needs at least one point per cell
        quantizer = flat(dim)
        if index_type == "faiss.IVFFlat":
            index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss_metric)
        else:
            bits = max(1, min(8, int(math.log2(n))))  # 2^bits codewords need that many points
            index = faiss.IndexIVFPQ(quantizer, dim, nlist, pq_m, bits)
        index.cp.seed = seed
        index.cp.min_points_per_centroid = 1     # small samples: no warning, no failure
        if index_type == "faiss.IVFPQ":
            index.pq.cp.seed = seed
            index.pq.cp.min_points_per_centroid = 1
        index.train(X)
        index.nprobe = nprobe_for(nlist)
    index.add(X)
    return index


def serialize(index: faiss.Index) -> np.ndarray:
    return np.asarray(faiss.serialize_index(index), dtype=np.uint8)


def deserialize(data: np.ndarray) -> faiss.Index:
    index = faiss.deserialize_index(np.ascontiguousarray(data, dtype=np.uint8))
    if hasattr(index, "nprobe"):
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = nprobe_for(ivf.nlist)
    return index
