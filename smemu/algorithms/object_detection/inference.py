"""Object detection at inference time, as the real endpoint answers (AWS developer guide,
"Object Detection Request and Response Formats"): a request is one image (``image/jpeg``,
``image/png``, ``application/x-image``), the answer ``{"prediction": [[class_id, score, xmin,
ymin, xmax, ymax], ...]}`` with corners normalised to [0, 1], best score first."""

from __future__ import annotations

import json

import numpy as np

from smemu.algorithms.images import (
    ImagePredictor, colour_features, require_model_files, resized_to)
from smemu.algorithms.object_detection import artifact
from smemu.algorithms.object_detection.boxes import detect
from smemu.algorithms.softmax import PixelClassifier

class Detector(ImagePredictor):
    output_names = ("prediction",)

    def __init__(self, classifier: PixelClassifier, side: int):
        self.classifier = classifier
        self.side = side

    def predict(self, features) -> dict:
        found = []
        for image in np.asarray(features, dtype=object).reshape(-1):
            pixels = colour_features(resized_to(image, self.side, self.side))
            found.append(detect(self.classifier.probabilities(pixels), self.side, self.side))
        return {"prediction": found}

    def encode(self, outputs: dict, accept: str, batch: bool) -> bytes | None:
        rows = [[float(v) for v in d] for d in outputs["prediction"][0]]
        return json.dumps({"prediction": rows}).encode()


def load_model(model) -> Detector:
    files = getattr(model, "files", None) or {}
    require_model_files(files, artifact.FILES, "object detection")
    weight, bias, hyperparameters = artifact.read_model_files(files)
    return Detector(PixelClassifier(weight, bias), int(hyperparameters["smemu_working_side"]))
