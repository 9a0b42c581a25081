"""LDA at inference time: each document's topic mixture, inferred from the topics.

The model is what ``model_algo-1`` holds: ``[alpha (num_topics,), beta (num_topics,
feature_dim)]``. A request's documents (word counts) get the normalised variational Dirichlet of
:func:`smemu.algorithms.lda.mixture.mixtures` as ``topic_mixture``.
"""

from __future__ import annotations

import numpy as np

from smemu.algorithms.errors import CustomerError
from smemu.algorithms.inference import Predictor, artifact_arrays
from smemu.algorithms.lda.mixture import floored, mixtures

_HOW = "Save it with mx.nd.save('model_algo-1', [alpha, beta])."


class LDAModel(Predictor):
    output_names = ("topic_mixture",)
    #: the LDA guide: inference returns application/json or application/x-recordio-protobuf
    csv_output = False

    def __init__(self, alpha, beta):
        alpha, beta = np.asarray(alpha, np.float64).ravel(), np.asarray(beta, np.float64)
        if beta.ndim != 2 or beta.shape[0] != len(alpha) or len(alpha) < 1:
            raise CustomerError(
                f"An LDA model_algo-1 holds alpha (num_topics,) and beta (num_topics, "
                f"feature_dim); this one has shapes {alpha.shape} and {beta.shape}. {_HOW}")
        self.alpha = alpha
        self.beta = floored(beta)
        self.feature_dim = int(beta.shape[1])

    def predict(self, features) -> dict[str, np.ndarray]:
        return {"topic_mixture": mixtures(features, self.alpha, self.beta).astype(np.float32)}


def load_model(artifact) -> LDAModel:
    arrays = artifact_arrays(artifact)
    if isinstance(arrays, dict):
        arrays = list(arrays.values())
    if len(arrays) != 2:
        raise CustomerError(
            f"An LDA model_algo-1 holds two NDArrays (alpha, beta); this one holds "
            f"{len(arrays)}. {_HOW}")
    return LDAModel(*arrays)
