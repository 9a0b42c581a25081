"""The ModelArtifact a Linear Learner run gives back, in the real built-in's layout.

``model_algo-1`` holds the MXNet module (:mod:`.symbol`), params ``arg:fc0_weight``
(feature_dim, outputs) and ``arg:fc0_bias`` (1, outputs) acting on *raw* features (the data
normalisation and the label un-normalisation folded in; the real regressor's files hold no
normalisation statistics either), and ``additional-params.json`` (the artifact's ``manifest``).

``additional-params.json`` of a real regressor trained with the defaults is::

    {"threshold": 0.5, "loss_type": "squared_loss", "metrics_params": {
     "eps_insensitive_loss_type": null, "class_weights": null, "huber_delta": null,
     "quantile": null, "loss_insensitivity": null, "positive_example_weight_mult": 1.0,
     "accuracy_top_k": 3, "threshold": 0.5, "f_beta": null, "margin": null},
     "predictor_type": "regressor"}

smemu writes the same keys in the same order. Inferred (not seen in a real file): that a binary
classifier's ``threshold`` is its calibrated threshold on the output's scale (a probability
under logistic loss, the raw score under hinge loss), and that each ``metrics_params`` entry is
filled only where the loss or predictor type uses it (the real regressor leaves f_beta and the
other losses' parameters null).
"""

from __future__ import annotations

import numpy as np

from smemu.algorithms.base import ModelArtifact
from smemu.algorithms.linear_learner.symbol import module_symbol

DEFAULT_THRESHOLD = 0.5  # what the real regressor's file holds


def additional_params(cfg: dict, threshold: float | None, positive_weight: float,
                      class_weights) -> dict:
    loss, kind = cfg["loss"], cfg["predictor_type"]
    threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    eps = loss.startswith("eps_insensitive")
    classifier = kind != "regressor"
    metrics_params = {
        "eps_insensitive_loss_type": loss if eps else None,
        "class_weights": None if class_weights is None else [float(w) for w in class_weights],
        "huber_delta": float(cfg["huber_delta"]) if loss == "huber_loss" else None,
        "quantile": float(cfg["quantile"]) if loss == "quantile_loss" else None,
        "loss_insensitivity": float(cfg["loss_insensitivity"]) if eps else None,
        "positive_example_weight_mult": float(positive_weight),
        "accuracy_top_k": int(cfg["accuracy_top_k"]),
        "threshold": threshold,
        "f_beta": float(cfg["f_beta"]) if classifier else None,
        "margin": float(cfg["margin"]) if loss == "hinge_loss" else None,
    }
    return {"threshold": threshold, "loss_type": loss, "metrics_params": metrics_params,
            "predictor_type": kind}


def model_artifact(cfg: dict, weight: np.ndarray, bias: np.ndarray, threshold: float | None,
                   positive_weight: float = 1.0, class_weights=None) -> ModelArtifact:
    """``weight`` (feature_dim, outputs) and ``bias`` (outputs,) on raw features, label units;
    ``threshold`` on the output's scale (binary classifiers) or None."""
    dim, outputs = weight.shape
    symbol, _ = module_symbol(cfg["loss"], dim, outputs)
    arrays = {"arg:fc0_weight": np.ascontiguousarray(weight, dtype=np.float32),
              "arg:fc0_bias": np.asarray(bias, dtype=np.float32).reshape(1, outputs)}
    return ModelArtifact(arrays=arrays, layout="mxnet-module", symbol=symbol,
                         manifest=additional_params(cfg, threshold, positive_weight,
                                                    class_weights))
