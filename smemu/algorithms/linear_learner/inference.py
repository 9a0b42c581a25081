"""Scoring records with a trained Linear Learner model (its module's params and additional params).

What the model's MXNet symbol computes, plus the calibrated threshold: ``score`` is a probability
under logistic loss (softmax probabilities per class for multiclass), the raw linear score
otherwise; ``predicted_label`` is 1 when the score reaches the threshold (binary), the top class
(multiclass), and absent for regression.

:func:`load_model` reads both layouts of ``model_algo-1`` (smemu.formats.mxnet_checkpoint): the
real built-in's (``dot`` symbol, ``arg:fc0_weight`` (feature_dim, outputs), ``arg:fc0_bias``
(1, outputs), predictor type and threshold in ``additional-params.json``) and the one smemu wrote
before (``FullyConnected`` symbol, weight (outputs, feature_dim), its own manifest). The output
(``sigmoid``, ``softmax`` or ``identity``) comes from the symbol's head operator. Responses are
as the AWS developer guide page "Linear learner response formats" documents them; the real
container has no CSV output, hence ``csv_output = False``.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from smemu.algorithms.errors import CustomerError
from smemu.algorithms.inference import Predictor
from smemu.algorithms.linear_learner.symbol import symbol_output, weight_is_transposed

WEIGHT, BIAS = "arg:fc0_weight", "arg:fc0_bias"
OUTPUTS = ("sigmoid", "softmax", "identity")
KINDS = ("binary_classifier", "multiclass_classifier", "regressor")
_KIND_OF_OUTPUT = {"sigmoid": "binary_classifier", "softmax": "multiclass_classifier"}


class LinearLearnerModel(Predictor):
    """``weight`` (feature_dim, outputs) and ``bias`` (outputs,) acting on raw features;
    ``output`` what the head returns; ``predictor_type``; ``threshold`` (binary, on the output's
    scale)."""

    csv_output = False

    def __init__(self, weight, bias, output: str, predictor_type: str, threshold: float):
        weight = np.asarray(weight, dtype=np.float32)
        bias = np.asarray(bias, dtype=np.float32).reshape(-1)
        if weight.ndim != 2 or bias.shape[0] != weight.shape[1]:
            raise CustomerError(
                f"A linear learner model needs {WEIGHT} of shape (feature_dim, outputs) and "
                f"{BIAS} of shape (1, outputs); this one has {weight.shape} and {bias.shape}.")
        if output not in OUTPUTS or predictor_type not in KINDS:
            raise CustomerError(
                f"The model says predictor_type={predictor_type!r} with output {output!r}; "
                f"smemu knows {', '.join(KINDS)} and {', '.join(OUTPUTS)}.")
        self.weight, self.bias = weight, bias
        self.output, self.predictor_type, self.threshold = output, predictor_type, threshold
        self.feature_dim = int(weight.shape[0])
        self.output_names = (("score",) if predictor_type == "regressor"
                             else ("score", "predicted_label"))

    def scores(self, features):
        """``(score, predicted_label)`` for ``features`` (records, feature_dim), dense or CSR.
        ``score`` is (records,) or (records, classes); ``predicted_label`` None for regressors."""
        raw = np.asarray(features @ self.weight, dtype=np.float64) + self.bias
        if self.output == "softmax":
            shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
            score = shifted / shifted.sum(axis=1, keepdims=True)
        elif self.output == "sigmoid":
            score = 0.5 * (1.0 + np.tanh(0.5 * raw))
        else:
            score = raw
        if self.predictor_type == "multiclass_classifier":
            return score, score.argmax(axis=1).astype(np.float64)
        score = score[:, 0]
        if self.predictor_type == "binary_classifier":
            return score, (score >= self.threshold).astype(np.float64)
        return score, None

    def predict(self, features) -> dict[str, np.ndarray]:
        score, label = self.scores(features)
        outputs = {"score": score.astype(np.float32)}
        if label is not None:
            outputs["predicted_label"] = label.astype(np.float32)
        return outputs


def load_model(artifact) -> LinearLearnerModel:
    """A LinearLearnerModel from the ModelArtifact training gave (or the serving container read
    back from model_algo-1), in either layout."""
    arrays = getattr(artifact, "arrays", None)
    arrays = dict(arrays) if isinstance(arrays, Mapping) else {}
    missing = [name for name in (WEIGHT, BIAS) if name not in arrays]
    if missing or getattr(artifact, "layout", None) != "mxnet-module":
        raise CustomerError(
            "This is not a linear learner model: its model_algo-1 must be the zip a linear "
            f"learner training job writes, whose params hold {WEIGHT} and {BIAS}"
            + (f" (missing: {', '.join(missing)})." if missing else "."))
    symbol = getattr(artifact, "symbol", None)
    params = dict(getattr(artifact, "manifest", None) or {})
    weight = np.asarray(arrays[WEIGHT], dtype=np.float32)
    if weight_is_transposed(symbol):
        weight = weight.T
    output = params.get("output") or symbol_output(symbol)
    kind = params.get("predictor_type") or _KIND_OF_OUTPUT.get(output, "regressor")
    threshold = params.get("threshold")
    if threshold is None and "threshold" in arrays:  # smemu's older layout
        threshold = float(np.asarray(arrays["threshold"]).reshape(-1)[0])
    if threshold is None:
        threshold = 0.5 if output == "sigmoid" else 0.0
    return LinearLearnerModel(weight, arrays[BIAS], output, kind, float(threshold))


def predict(artifact, features):
    """``(score, predicted_label)`` of ``artifact``'s model for ``features`` (see
    :meth:`LinearLearnerModel.scores`)."""
    return load_model(artifact).scores(features)
