"""Semantic segmentation at inference time, as the real endpoint answers (AWS developer guide,
"Semantic Segmentation Algorithm", produce inferences): a request is one image (``image/jpeg``;
``image/png`` and ``application/x-image`` too); ``Accept: image/png`` answers the mask, a PNG of
the image's size whose values are the classes; ``application/x-recordio-protobuf`` the class
probabilities of every pixel, one Record whose ``features`` hold ``target`` (float32, class by
class, row by row) and ``shape`` (int32 ``[1, classes, height, width]``)."""

from __future__ import annotations

import io
import json

import numpy as np

from smemu.algorithms.images import ImagePredictor, require_model_files, resized_to
from smemu.algorithms.semantic_segmentation.pixels import image_pixels
from smemu.algorithms.softmax import PixelClassifier
from smemu.formats.ndarray import load_ndarrays
from smemu.formats.recordio import frame

PNG = "image/png"
RECORDIO_PROTOBUF = "application/x-recordio-protobuf"


class Segmenter(ImagePredictor):
    output_names = ("probabilities",)
    response_types = (PNG, RECORDIO_PROTOBUF)
    default_accept = PNG

    def __init__(self, classifier: PixelClassifier, side: int):
        self.classifier = classifier
        self.side = side

    def predict(self, features) -> dict:
        out = []
        for image in np.asarray(features, dtype=object).reshape(-1):
            p = self.classifier.probabilities(image_pixels(image, self.side))
            small = p.reshape(self.side, self.side, -1)
            out.append(resized_to(small, image.shape[0], image.shape[1]).astype(np.float32))
        return {"probabilities": out}

    def encode(self, outputs: dict, accept: str, batch: bool) -> bytes | None:
        probabilities = outputs["probabilities"][0]              # (height, width, classes)
        if accept == PNG:
            from PIL import Image

            buffer = io.BytesIO()
            Image.fromarray(probabilities.argmax(axis=2).astype(np.uint8), "L").save(buffer, "PNG")
            return buffer.getvalue()
        from smemu.proto.record_pb2 import Record

        record = Record()
        chw = np.ascontiguousarray(probabilities.transpose(2, 0, 1))
        record.features["target"].float32_tensor.values.extend(chw.ravel().tolist())
        record.features["shape"].int32_tensor.values.extend([1, *chw.shape])
        return frame(record.SerializeToString())


def load_model(model) -> Segmenter:
    files = getattr(model, "files", None) or {}
    require_model_files(files, ("model_algo-1", "hyperparams.json"), "semantic segmentation")
    arrays = load_ndarrays(io.BytesIO(files["model_algo-1"]), name="model_algo-1")
    side = int(json.loads(files["hyperparams.json"])["smemu_working_side"])
    return Segmenter(PixelClassifier(arrays["fc1_weight"], arrays["fc1_bias"]), side)
