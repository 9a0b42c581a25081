"""Scoring records with a trained Linear Learner model (its artifact's arrays and manifest).

What the model's MXNet symbol computes, plus the calibrated threshold: ``score`` is a probability
under logistic loss (softmax probabilities per class for multiclass), the raw linear score
otherwise; ``predicted_label`` is 1 when the score reaches the threshold (binary), the top class
(multiclass), and absent for regression.

The model is what ``model_algo-1`` holds (smemu.formats.mxnet_checkpoint): ``arg:fc0_weight``
(outputs, feature_dim) and ``arg:fc0_bias`` (outputs,) acting on *raw* features with the data
normalisation and the label un-normalisation folded in, and a manifest naming the output
(``sigmoid``, ``softmax`` or ``identity``) and the binary classifier's ``threshold`` on that
output's scale. :func:`predict` is the arithmetic; :func:`load_model` gives the serving container's
:class:`~smemu.algorithms.inference.Predictor` (responses as the AWS developer guide page
"Linear learner response formats" documents them; the real container has no CSV output, hence
``csv_output = False``).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from smemu.algorithms.errors import CustomerError
from smemu.algorithms.inference import Predictor

WEIGHT, BIAS = "arg:fc0_weight", "arg:fc0_bias"
OUTPUTS = ("sigmoid", "softmax", "identity")
KINDS = ("binary_classifier", "multiclass_classifier", "regressor")
# the symbol's output operator -> what its forward pass returns (for models without a manifest)
_OPERATOR_OUTPUTS = {"LogisticRegressionOutput": "sigmoid", "SoftmaxOutput": "softmax",
                     "LinearRegressionOutput": "identity", "MAERegressionOutput": "identity"}


def predict(arrays, manifest, features):
    """``(score, predicted_label)`` for ``features`` (records, feature_dim), dense or CSR.
    ``score`` is (records,) or (records, classes); ``predicted_label`` is None for regressors."""
    weight, bias = arrays["arg:fc0_weight"], arrays["arg:fc0_bias"]
    raw = np.asarray(features @ weight.T, dtype=np.float64) + bias
    output = manifest["output"]
    kind = manifest["predictor_type"]
    if output == "softmax":
        shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
        score = shifted / shifted.sum(axis=1, keepdims=True)
    elif output == "sigmoid":
        score = 0.5 * (1.0 + np.tanh(0.5 * raw))
    else:
        score = raw
    if kind == "multiclass_classifier":
        return score, score.argmax(axis=1).astype(np.float64)
    score = score[:, 0]
    if kind == "binary_classifier":
        return score, (score >= manifest["threshold"]).astype(np.float64)
    return score, None


class LinearLearnerModel(Predictor):
    csv_output = False

    def __init__(self, arrays: Mapping, manifest: Mapping):
        weight = np.asarray(arrays[WEIGHT], dtype=np.float32)
        bias = np.asarray(arrays[BIAS], dtype=np.float32).reshape(-1)
        if weight.ndim != 2 or bias.shape[0] != weight.shape[0]:
            raise CustomerError(
                f"A linear learner model needs {WEIGHT} of shape (outputs, feature_dim) and "
                f"{BIAS} of shape (outputs,); this one has {weight.shape} and {bias.shape}.")
        if manifest["output"] not in OUTPUTS or manifest["predictor_type"] not in KINDS:
            raise CustomerError(
                f"The model's manifest says predictor_type={manifest['predictor_type']!r}, "
                f"output={manifest['output']!r}; smemu knows {', '.join(KINDS)} and "
                f"{', '.join(OUTPUTS)}.")
        self.arrays = {WEIGHT: weight, BIAS: bias}
        self.manifest = dict(manifest)
        self.feature_dim = int(weight.shape[1])
        self.output_names = (("score",) if manifest["predictor_type"] == "regressor"
                             else ("score", "predicted_label"))

    def predict(self, features) -> dict[str, np.ndarray]:
        score, label = predict(self.arrays, self.manifest, features)
        outputs = {"score": score.astype(np.float32)}
        if label is not None:
            outputs["predicted_label"] = label.astype(np.float32)
        return outputs


def load_model(artifact) -> LinearLearnerModel:
    """A LinearLearnerModel from the ModelArtifact training gave (or the serving container read
    back from model_algo-1). A model without smemu's manifest (the real built-in's) has its
    output and kind inferred from the symbol's output layer."""
    arrays = getattr(artifact, "arrays", None)
    arrays = dict(arrays) if isinstance(arrays, Mapping) else {}
    missing = [name for name in (WEIGHT, BIAS) if name not in arrays]
    if missing or getattr(artifact, "layout", None) != "mxnet-module":
        raise CustomerError(
            "This is not a linear learner model: its model_algo-1 must be the zip a linear "
            f"learner training job writes, whose params hold {WEIGHT} and {BIAS}"
            + (f" (missing: {', '.join(missing)})." if missing else "."))
    manifest = dict(getattr(artifact, "manifest", None) or {})
    output = manifest.get("output") or _symbol_output(getattr(artifact, "symbol", None))
    kind = manifest.get("predictor_type") or {
        "sigmoid": "binary_classifier", "softmax": "multiclass_classifier"}.get(output, "regressor")
    threshold = manifest.get("threshold")
    if threshold is None and "threshold" in arrays:
        threshold = float(np.asarray(arrays["threshold"]).reshape(-1)[0])
    if threshold is None:
        threshold = 0.5 if output == "sigmoid" else 0.0
    return LinearLearnerModel(arrays, dict(manifest, output=output, predictor_type=kind,
                                           threshold=float(threshold)))


def _symbol_output(symbol) -> str:
    """What the symbol's head operator returns; ``identity`` when it is not one of LL's."""
    nodes = (symbol or {}).get("nodes") or []
    heads = (symbol or {}).get("heads") or []
    if heads and nodes:
        return _OPERATOR_OUTPUTS.get(nodes[heads[0][0]].get("op"), "identity")
    return "identity"
