"""Scoring records with a trained factorization machine (its ``arg:w0_weight``,
``arg:w1_weight``, ``arg:v`` params and ``meta.json``).

Responses follow the AWS developer guide ("FM Response Formats"): a binary classifier answers
``{"score": p, "predicted_label": 1.0}`` (label 1 when p ≥ 0.5), a regressor ``{"score": y}``.
The real container reads JSON and RecordIO-protobuf requests and writes no CSV.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from smemu.algorithms.descriptor import RECORDIO_PROTOBUF
from smemu.algorithms.errors import CustomerError
from smemu.algorithms.factorization_machines.metrics import sigmoid
from smemu.algorithms.factorization_machines.model import FMParams, predict_raw
from smemu.algorithms.factorization_machines.symbol import OUTPUTS
from smemu.algorithms.inference import Predictor

NAMES = ("arg:w0_weight", "arg:w1_weight", "arg:v")


class FactorizationMachinesModel(Predictor):
    csv_output = False
    request_types = ("application/json", "application/jsonlines", RECORDIO_PROTOBUF)

    def __init__(self, params: FMParams, predictor_type: str):
        self.params = params
        self.predictor_type = predictor_type
        self.feature_dim = int(params.v.shape[0])
        self.output_names = (("score", "predicted_label") if predictor_type == "binary_classifier"
                             else ("score",))

    def predict(self, features) -> dict[str, np.ndarray]:
        raw = predict_raw(self.params, features)
        if self.predictor_type != "binary_classifier":
            return {"score": raw.astype(np.float32)}
        score = sigmoid(raw)
        return {"score": score.astype(np.float32),
                "predicted_label": (score >= 0.5).astype(np.float32)}


def _predictor_type(artifact) -> str:
    """From meta.json's training parameters, else from the symbol's output layer."""
    meta = dict(getattr(artifact, "manifest", None) or {})
    kind = (meta.get("training_parameters") or {}).get("predictor_type")
    if kind in OUTPUTS:
        return kind
    symbol = getattr(artifact, "symbol", None) or {}
    ops = {n.get("op") for n in symbol.get("nodes", [])}
    return "binary_classifier" if OUTPUTS["binary_classifier"] in ops else "regressor"


def load_model(artifact) -> FactorizationMachinesModel:
    arrays = getattr(artifact, "arrays", None)
    arrays = dict(arrays) if isinstance(arrays, Mapping) else {}
    missing = [n for n in NAMES if n not in arrays]
    if missing or getattr(artifact, "layout", None) != "mxnet-module":
        raise CustomerError(
            "This is not a factorization machines model: its model_algo-1 must be the zip a "
            "factorization-machines training job writes, whose params hold "
            f"{', '.join(NAMES)}" + (f" (missing: {', '.join(missing)})." if missing else "."))
    w0 = np.asarray(arrays["arg:w0_weight"], dtype=np.float32).reshape(1)
    v = np.asarray(arrays["arg:v"], dtype=np.float32)
    w1 = np.asarray(arrays["arg:w1_weight"], dtype=np.float32).reshape(-1, 1)
    if v.ndim != 2 or w1.shape[0] != v.shape[0]:
        raise CustomerError(
            f"A factorization machines model needs arg:w1_weight of shape (feature_dim, 1) and "
            f"arg:v of shape (feature_dim, num_factors); this one has {w1.shape} and {v.shape}.")
    return FactorizationMachinesModel(FMParams(w0, w1, v), _predictor_type(artifact))
