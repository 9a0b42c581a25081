"""Linear Learner at inference time: ``score`` (and ``predicted_label`` for classifiers).

The model is what ``model_algo-1`` holds (smemu.formats.mxnet_checkpoint): the symbol
``data -> FullyConnected(fc0) -> out``, ``arg:fc0_weight`` (outputs, feature_dim) and
``arg:fc0_bias`` (outputs,) acting on *raw* features with the data normalisation and the label
un-normalisation folded in, and a manifest naming the output (``sigmoid`` for logistic loss,
``softmax`` for softmax loss, ``identity`` otherwise) and the binary classifier's calibrated
``threshold`` on that output's scale. Responses (builtin-algorithms.md §3.5):

* binary classifier: ``score`` = P(label=1) under logistic loss, ``predicted_label`` = 1.0 when
  the score reaches the threshold;
* multiclass classifier: ``score`` = one probability per class, ``predicted_label`` = the most
  probable class;
* regressor: ``score`` only.

The real container has no CSV output (``csv_output = False``).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.errors import CustomerError
from smemu.algorithms.inference import Predictor

WEIGHT, BIAS = "arg:fc0_weight", "arg:fc0_bias"
OUTPUTS = ("sigmoid", "softmax", "identity")
# the symbol's output operator -> what its forward pass returns (for models without a manifest)
_OPERATOR_OUTPUTS = {"LogisticRegressionOutput": "sigmoid", "SoftmaxOutput": "softmax",
                     "LinearRegressionOutput": "identity", "MAERegressionOutput": "identity"}


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class LinearLearnerModel(Predictor):
    csv_output = False

    def __init__(self, weight, bias, predictor_type: str, output: str,
                 threshold: float | None = None):
        weight = np.asarray(weight, dtype=np.float32)
        bias = np.asarray(bias, dtype=np.float32).reshape(-1)
        if weight.ndim != 2 or bias.shape[0] != weight.shape[0]:
            raise CustomerError(
                f"A linear learner model needs {WEIGHT} of shape (outputs, feature_dim) and "
                f"{BIAS} of shape (outputs,); this one has {weight.shape} and {bias.shape}.")
        if output not in OUTPUTS:
            raise CustomerError(f"The model's manifest names the output {output!r}; smemu knows "
                                f"{', '.join(OUTPUTS)}.")
        self.weight_t = np.ascontiguousarray(weight.T.astype(np.float64))
        self.bias = bias.astype(np.float64)
        self.predictor_type = predictor_type
        self.output = output
        self.feature_dim = int(weight.shape[1])
        if predictor_type == "binary_classifier":
            self.threshold = float(threshold) if threshold is not None else (
                0.5 if output == "sigmoid" else 0.0)
            self.output_names = ("score", "predicted_label")
        elif predictor_type == "multiclass_classifier":
            self.output_names = ("score", "predicted_label")
        elif predictor_type == "regressor":
            self.output_names = ("score",)
        else:
            raise CustomerError(f"The model's predictor_type is {predictor_type!r}; a linear "
                                f"learner model is binary_classifier, multiclass_classifier or "
                                f"regressor.")

    def raw_scores(self, features) -> np.ndarray:
        """``x . w + b`` per record and output, (n, outputs), float64."""
        if sp.issparse(features):
            x = features.astype(np.float64).tocsr()
        else:
            x = np.asarray(features, dtype=np.float64)
        return np.asarray(x @ self.weight_t) + self.bias

    def predict(self, features) -> dict[str, np.ndarray]:
        z = self.raw_scores(features)
        if self.output == "sigmoid":
            z = _sigmoid(z)
        elif self.output == "softmax":
            z = _softmax(z)
        if self.predictor_type == "multiclass_classifier":
            return {"score": z.astype(np.float32),
                    "predicted_label": np.argmax(z, axis=1).astype(np.float32)}
        score = z[:, 0].astype(np.float32)
        if self.predictor_type == "binary_classifier":
            return {"score": score,
                    "predicted_label": (score >= np.float32(self.threshold)).astype(np.float32)}
        return {"score": score}


def load_model(artifact) -> LinearLearnerModel:
    """A LinearLearnerModel from the ModelArtifact training gave (or read_model read back)."""
    arrays = getattr(artifact, "arrays", None)
    arrays = dict(arrays) if isinstance(arrays, Mapping) else {}
    manifest = dict(getattr(artifact, "manifest", {}) or {})
    missing = [name for name in (WEIGHT, BIAS) if name not in arrays]
    if missing or getattr(artifact, "layout", None) != "mxnet-module":
        raise CustomerError(
            "This is not a linear learner model: its model_algo-1 must be the zip a linear "
            f"learner training job writes, whose params hold {WEIGHT} and {BIAS}"
            + (f" (missing: {', '.join(missing)})." if missing else "."))
    output = manifest.get("output") or _symbol_output(getattr(artifact, "symbol", None))
    predictor_type = manifest.get("predictor_type")
    if predictor_type is None:   # a model without smemu's manifest: infer it from the output
        predictor_type = {"sigmoid": "binary_classifier",
                          "softmax": "multiclass_classifier"}.get(output, "regressor")
    threshold = manifest.get("threshold")
    if threshold is None and "threshold" in arrays:
        threshold = float(np.asarray(arrays["threshold"]).reshape(-1)[0])
    return LinearLearnerModel(arrays[WEIGHT], arrays[BIAS], predictor_type, output, threshold)


def _symbol_output(symbol) -> str:
    """What the symbol's head operator returns; ``identity`` when it is not one of LL's."""
    nodes = (symbol or {}).get("nodes") or []
    heads = (symbol or {}).get("heads") or []
    if heads and nodes:
        return _OPERATOR_OUTPUTS.get(nodes[heads[0][0]].get("op"), "identity")
    return "identity"
