"""Scoring records with a trained Linear Learner model (its artifact's arrays and manifest).

What the model's MXNet symbol computes, plus the calibrated threshold: ``score`` is a probability
under logistic loss (softmax probabilities per class for multiclass), the raw linear score
otherwise; ``predicted_label`` is 1 when the score reaches the threshold (binary), the top class
(multiclass), and absent for regression.
"""

from __future__ import annotations

import numpy as np


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
