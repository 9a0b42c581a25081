"""Image classification at inference time, as the real endpoint answers: a request is one
encoded image (``image/jpeg``, ``image/png`` or ``application/x-image``), the answer the JSON list
of the class probabilities, ``[0.04, 0.93, 0.03]`` (AWS developer guide, "Image Classification
Algorithm": inference with ``application/x-image``, output a JSON array of probabilities)."""

from __future__ import annotations

import json

import numpy as np

from smemu.algorithms.images import ImagePredictor, pixel_features, require_model_files
from smemu.algorithms.image_classification import artifact
from smemu.algorithms.softmax import PixelClassifier

class ImageClassifier(ImagePredictor):
    output_names = ("probabilities",)

    def __init__(self, classifier: PixelClassifier, image_shape):
        self.classifier = classifier
        self.image_shape = tuple(image_shape)

    def predict(self, features) -> dict[str, np.ndarray]:
        pixels = pixel_features(features, self.image_shape)
        return {"probabilities": self.classifier.probabilities(pixels).astype(np.float32)}

    def encode(self, outputs: dict, accept: str, batch: bool) -> bytes | None:
        """One image a request: the bare list of its class probabilities."""
        rows = np.asarray(outputs["probabilities"], dtype=np.float32).astype(np.float64).tolist()
        return json.dumps(rows[0] if len(rows) == 1 else rows).encode()


def load_model(model) -> ImageClassifier:
    files = getattr(model, "files", None) or {}
    require_model_files(files, artifact.FILES, "image classification")
    weight, bias, image_shape, multi_label = artifact.read_model_files(files)
    return ImageClassifier(PixelClassifier(weight, bias, multi_label), image_shape)
