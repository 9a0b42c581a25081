"""Scoring records with a trained random cut forest: ``{"scores": [{"score": 0.02}, ...]}``
(JSON), ``{"score": ...}`` per line (JSON Lines), ``label['score']`` (RecordIO-protobuf), for CSV,
JSON and RecordIO-protobuf requests (AWS developer guide, "RCF Response Formats")."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from smemu.algorithms.errors import CustomerError
from smemu.algorithms.inference import Predictor
from smemu.algorithms.randomcutforest.forest import ARRAY_NAMES, Forest
from smemu.algorithms.randomcutforest.scoring import codisp_scores


class RandomCutForestModel(Predictor):
    output_names = ("score",)
    csv_output = False
    response_root = "scores"
    request_types = ("text/csv", "application/json", "application/x-recordio-protobuf")

    def __init__(self, forest: Forest):
        self.forest = forest
        self.feature_dim = forest.feature_dim

    def predict(self, features) -> dict[str, np.ndarray]:
        return {"score": codisp_scores(self.forest, features).astype(np.float32)}


def load_model(artifact) -> RandomCutForestModel:
    arrays = getattr(artifact, "arrays", artifact)
    missing = [n for n in ARRAY_NAMES if not isinstance(arrays, Mapping) or n not in arrays]
    if missing:
        raise CustomerError(
            "This is not a random cut forest model: its model_algo-1 must be the NDArray dict a "
            f"randomcutforest training job writes, holding {', '.join(ARRAY_NAMES)} (missing: "
            f"{', '.join(missing)}).")
    return RandomCutForestModel(Forest.from_arrays(arrays))
