"""K-Means at inference time: the closest centroid of each record and the Euclidean distance to it.

The model is what ``model_algo-1`` holds: a list with one float32 NDArray of shape
(k, feature_dim), the centroids (AWS's k-means example notebooks read a trained model with
``mx.ndarray.load('model_algo-1')`` and find this one array). A user's own ``mx.nd.save`` of
scikit-learn centroids ("bring your own model") loads the same way.
"""

from __future__ import annotations

import numpy as np

from smemu.formats.sparse import issparse
from smemu.algorithms.errors import CustomerError
from smemu.algorithms.inference import Predictor, artifact_arrays
from smemu.algorithms.kmeans.distances import nearest, row_sq_norms


class KMeansModel(Predictor):
    output_names = ("closest_cluster", "distance_to_cluster")

    def __init__(self, centroids):
        centroids = np.asarray(centroids)
        if centroids.ndim != 2 or centroids.shape[0] < 1:
            raise CustomerError(
                f"A k-means model_algo-1 holds one NDArray of shape (k, feature_dim); this one "
                f"has shape {centroids.shape}. Save the centroids with "
                f"mx.nd.save('model_algo-1', [centroids]).")
        self.centroids = centroids.astype(np.float32)
        self._centroids64 = self.centroids.astype(np.float64)
        self._squared_norms = row_sq_norms(self._centroids64)
        self.feature_dim = int(centroids.shape[1])

    def predict(self, features) -> dict[str, np.ndarray]:
        if issparse(features):
            x = features.astype(np.float64).tocsr()
        else:
            x = np.asarray(features, dtype=np.float64)
        closest, squared = nearest(x, self._centroids64, c_sq=self._squared_norms)
        if not issparse(x):
            # dense: the distance to the chosen centroid directly, free of the expansion's
            # cancellation (a record on a centroid is at distance 0)
            diff = x - self._centroids64[closest]
            squared = np.einsum("ij,ij->i", diff, diff)
        return {
            "closest_cluster": closest.astype(np.float32),
            "distance_to_cluster": np.sqrt(squared).astype(np.float32),
        }


def load_model(artifact) -> KMeansModel:
    """A KMeansModel from a ModelArtifact, the list ``mx.nd.load`` gives, or a centroid array."""
    arrays = artifact_arrays(artifact)
    if isinstance(arrays, np.ndarray):
        return KMeansModel(arrays)
    if isinstance(arrays, dict):
        arrays = list(arrays.values())
    if len(arrays) != 1:
        raise CustomerError(
            f"A k-means model_algo-1 holds exactly one NDArray (the centroids); this one holds "
            f"{len(arrays)}. Save it with mx.nd.save('model_algo-1', [centroids]).")
    return KMeansModel(arrays[0])
