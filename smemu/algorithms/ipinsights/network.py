"""The IP Insights network and its hand-written gradients.

``entity = E[hash(entity)]``; ``ip = encoder(mean of T[prefix rows])`` where the encoder is
``num_ip_encoder_layers`` fully connected ``vector_dim x vector_dim`` layers (ReLU between them,
the last one linear); the score of a pair is ``dot_product = entity . ip``, trained with the
logistic loss to be high for observed pairs and low for negatives.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def init_params(num_entities: int, ip_rows: int, dim: int, layers: int,
                rng: np.random.Generator, dtype=np.float64) -> dict[str, np.ndarray]:
    """Normal embeddings (scale 1/sqrt(dim)), Xavier-uniform encoder layers, zero biases; every
    computation then runs in ``dtype`` (training uses float32, as MXNet does)."""
    scale = 1.0 / np.sqrt(dim)
    params = {"entity_embedding": rng.normal(scale=scale, size=(num_entities, dim)),
              "ip_embedding": rng.normal(scale=scale, size=(ip_rows, dim))}
    for i in range(layers):
        bound = np.sqrt(6.0 / (2 * dim))
        params[f"ip_encoder{i}_weight"] = rng.uniform(-bound, bound, (dim, dim))
        params[f"ip_encoder{i}_bias"] = np.zeros(dim)
    return {name: p.astype(dtype) for name, p in params.items()}


def _averaging(rows: np.ndarray, dtype):
    """``(unique table rows, A)`` with ``A`` (m x unique, CSR) averaging each pair's prefix rows:
    ``A @ table[unique]`` is the mean of each pair's rows, ``A.T @ g`` sends ``g`` back."""
    m, k = rows.shape
    unique, inverse = np.unique(rows.ravel(), return_inverse=True)
    A = sp.csr_matrix((np.full(m * k, 1.0 / k, dtype=dtype), (np.repeat(np.arange(m), k), inverse)),
                      shape=(m, len(unique)))
    A.sum_duplicates()
    return unique, A


def encode_ips(params, rows: np.ndarray, layers: int):
    """``(ip vectors, cache)`` for ``(m, PREFIXES)`` table rows."""
    table = params["ip_embedding"]
    unique, A = _averaging(rows, table.dtype)
    h = np.asarray(A @ table[unique])
    cache = [(unique, A)]
    for i in range(layers):
        a = h @ params[f"ip_encoder{i}_weight"] + params[f"ip_encoder{i}_bias"]
        out = np.maximum(a, 0.0) if i < layers - 1 else a
        cache.append((h, out))
        h = out
    return h, cache


def scores(params, entity_rows, ip_table_rows, layers: int):
    """``(dot_product, entity vectors, ip vectors)``."""
    e = params["entity_embedding"][entity_rows]
    ip, _ = encode_ips(params, ip_table_rows, layers)
    return np.einsum("ij,ij->i", e, ip), e, ip


def _scatter(rows: np.ndarray, grads: np.ndarray):
    """``(unique rows, summed gradient per unique row)``."""
    unique, inverse = np.unique(rows, return_inverse=True)
    m = len(rows)
    pick = sp.csr_matrix((np.ones(m, dtype=grads.dtype), (inverse, np.arange(m))), shape=(len(unique), m))
    return unique, np.asarray(pick @ grads)


def gradients(params, entity_rows, ip_table_rows, labels, layers: int):
    """``(dense grads, sparse grads {table: (rows, grad rows)}, mean logistic loss)``."""
    m = len(labels)
    e = params["entity_embedding"][entity_rows]
    labels = labels.astype(e.dtype, copy=False)
    ip, cache = encode_ips(params, ip_table_rows, layers)
    s = np.einsum("ij,ij->i", e, ip)
    # logistic loss, stably: log(1 + exp(-s)) for positives, log(1 + exp(s)) for negatives
    signed = np.where(labels > 0, -s, s)
    loss = float(np.mean(np.logaddexp(0.0, signed)))
    p = 0.5 * (1.0 + np.tanh(0.5 * s))                    # sigmoid, overflow-free
    ds = (p - labels) / m
    de = ds[:, None] * ip
    dh = ds[:, None] * e
    dense = {}
    (unique, A), layer_cache = cache[0], cache[1:]
    for i in reversed(range(layers)):
        inp, out = layer_cache[i]
        da = dh if i == layers - 1 else dh * (out > 0)
        dense[f"ip_encoder{i}_weight"] = inp.T @ da
        dense[f"ip_encoder{i}_bias"] = da.sum(axis=0)
        dh = da @ params[f"ip_encoder{i}_weight"].T
    sparse = {"entity_embedding": _scatter(entity_rows, de),
              "ip_embedding": (unique, np.asarray(A.T @ dh))}
    return dense, sparse, loss
