"""k-NN's model and its answers.

smemu's k-NN ``model_algo-1`` is an ``mx.nd.save`` dict (the real one's layout is not published;
this one is smemu's own, read back by smemu's serving):

* ``index``: uint8, the bytes of ``faiss.serialize_index`` of the index;
* ``labels``: float32 (sample_size,), the label of each indexed record, in index order;
* ``config``: uint8, UTF-8 JSON ``{"feature_dim", "k", "predictor_type", "index_type",
  "index_metric", "width"}`` (``width`` the indexed dimension, after reduction and padding);
* with dimension reduction, ``reduction_sign_matrix`` (feature_dim × target) or
  ``reduction_fjlt_signs`` / ``reduction_fjlt_rows`` (see :mod:`.reduction`).

A record's ``predicted_label`` is the most frequent label of its k nearest neighbours (a tie goes
to the smallest label, as scikit-learn's KNeighborsClassifier breaks it) for a classifier, their
mean for a regressor. With ``verbose=true`` the answer adds ``distances`` and ``labels`` of the
neighbours, nearest first.
"""

from __future__ import annotations

import json

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.errors import CustomerError
from smemu.algorithms.inference import Predictor, artifact_arrays
from smemu.algorithms.knn import index as faiss_index
from smemu.algorithms.knn.reduction import reduction_from_arrays


def model_arrays(index, labels, reduction, config, width: int) -> dict:
    shown = {"feature_dim": config["feature_dim"], "k": config["k"],
             "predictor_type": config["predictor_type"], "index_type": config["index_type"],
             "index_metric": config["index_metric"], "width": width}
    arrays = {"index": faiss_index.serialize(index),
              "labels": np.ascontiguousarray(labels, dtype=np.float32),
              "config": np.frombuffer(json.dumps(shown).encode(), dtype=np.uint8).copy()}
    if reduction is not None:
        arrays.update(reduction.as_arrays())
    return arrays


def vote(labels: np.ndarray) -> np.ndarray:
    """The most frequent label of each row (NaN marks a missing neighbour); ties go to the
    smallest label. Rows are sorted and each entry's count in its row compared, in chunks that
    keep the (rows, k, k) comparison small whatever the number of distinct labels."""
    ordered = np.sort(labels, axis=1)                     # NaN last; never equal to anything
    k = ordered.shape[1]
    out = np.empty(ordered.shape[0], dtype=ordered.dtype)
    step = max(1, (16 << 20) // (k * k))
    for lo in range(0, ordered.shape[0], step):
        part = ordered[lo:lo + step]
        counts = (part[:, :, None] == part[:, None, :]).sum(axis=2)
        out[lo:lo + step] = part[np.arange(len(part)), np.argmax(counts, axis=1)]
    return out


class KNNModel(Predictor):
    output_names = ("predicted_label", "distances", "labels")
    verbose_outputs = ("distances", "labels")
    csv_output = False

    def __init__(self, index, labels, config: dict, reduction=None):
        self.index = index
        self.labels = np.asarray(labels, dtype=np.float32)
        self.config = config
        self.reduction = reduction
        self.feature_dim = int(config["feature_dim"])
        self.k = min(int(config["k"]), int(index.ntotal))
        self.metric = config["index_metric"]
        self.width = int(config["width"])
        self.classifier = config["predictor_type"] == "classifier"

    @classmethod
    def from_arrays(cls, arrays) -> "KNNModel":
        missing = {"index", "labels", "config"} - set(arrays)
        if missing:
            raise CustomerError(
                f"A k-NN model_algo-1 (smemu's layout) is an NDArray dict with 'index', 'labels' "
                f"and 'config'; this one lacks {', '.join(sorted(missing))}. Train the model with "
                f"smemu's knn algorithm.")
        config = json.loads(np.asarray(arrays["config"], dtype=np.uint8).tobytes().decode())
        return cls(faiss_index.deserialize(arrays["index"]), arrays["labels"], config,
                   reduction_from_arrays(arrays))

    def neighbours(self, features):
        X = features.toarray() if sp.issparse(features) else np.asarray(features)
        X = X.astype(np.float32)
        if self.reduction is not None:
            X = self.reduction.apply(X)
        distances, ids = self.index.search(faiss_index.prepare(X, self.metric, self.width), self.k)
        return distances, ids

    def predict(self, features) -> dict[str, np.ndarray]:
        distances, ids = self.neighbours(features)
        valid = ids >= 0                    # an IVF search may find fewer than k
        labels = np.where(valid, self.labels[np.clip(ids, 0, None)], np.nan).astype(np.float32)
        if self.classifier:
            predicted = vote(labels)
        else:
            predicted = np.nanmean(labels.astype(np.float64), axis=1)
        return {"predicted_label": np.asarray(predicted, dtype=np.float32),
                "distances": distances.astype(np.float32), "labels": labels}


def load_model(artifact) -> KNNModel:
    arrays = artifact_arrays(artifact)
    if not isinstance(arrays, dict):
        raise CustomerError("A k-NN model_algo-1 (smemu's layout) is an NDArray dict with "
                            "'index', 'labels' and 'config'; this one is a list of arrays.")
    return KNNModel.from_arrays(arrays)
