"""PCA at inference time: each record's projection on the principal components.

The model is what ``model_algo-1`` holds: the NDArray dict ``{'s', 'v', 'mean'}``; the
projection of a record ``x`` is ``(x - mean) · v`` (``mean`` is zero for a model trained with
``subtract_mean=false``), its components in the order of ``v``'s columns (ascending ``s``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.errors import CustomerError
from smemu.algorithms.inference import Predictor, artifact_arrays

_SAVE_HINT = ("Save it with mx.nd.save('model_algo-1', {'s': s, 'v': v, 'mean': mean}) where v is "
              "(feature_dim, num_components), s (num_components,) and mean (1, feature_dim).")


class PCAModel(Predictor):
    output_names = ("projection",)
    response_root = "projections"
    csv_output = False

    def __init__(self, v, mean, s=None):
        v = np.asarray(v, dtype=np.float32)
        mean = np.asarray(mean, dtype=np.float32).reshape(1, -1)
        if v.ndim != 2 or mean.shape[1] != v.shape[0]:
            raise CustomerError(f"A PCA model's 'v' is (feature_dim, num_components) and its "
                                f"'mean' (1, feature_dim); this one has v {v.shape} and mean "
                                f"{mean.shape}. {_SAVE_HINT}")
        self.v = v.astype(np.float64)
        self.mean = mean.astype(np.float64)
        self.s = None if s is None else np.asarray(s)
        self.feature_dim = int(v.shape[0])
        self._mean_v = self.mean @ self.v        # (1, k): x·v - mean·v, for sparse records

    def predict(self, features) -> dict[str, np.ndarray]:
        if sp.issparse(features):
            projected = features.astype(np.float64) @ self.v - self._mean_v
        else:
            projected = (np.asarray(features, dtype=np.float64) - self.mean) @ self.v
        return {"projection": projected.astype(np.float32)}


def load_model(artifact) -> PCAModel:
    arrays = artifact_arrays(artifact)
    if not isinstance(arrays, dict) or not {"v", "mean"} <= set(arrays):
        held = sorted(arrays) if isinstance(arrays, dict) else f"a list of {len(arrays)} arrays"
        raise CustomerError(f"A PCA model_algo-1 is an NDArray dict with keys 's', 'v' and "
                            f"'mean'; this one holds {held}. {_SAVE_HINT}")
    return PCAModel(arrays["v"], arrays["mean"], arrays.get("s"))
