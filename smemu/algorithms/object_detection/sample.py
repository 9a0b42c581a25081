"""Tiny object detection problems: one or two coloured shapes (a red disc, a green square, a
blue triangle) at random places and sizes on a noisy grey background, each with its box; as
images with annotation JSON and as im2rec RecordIO with the detection label layout."""

from __future__ import annotations

import io
import json

import numpy as np

from smemu.algorithms.descriptor import SampleData
from smemu.algorithms.image_classification.sample import COLOURS, decoded
from smemu.algorithms.object_detection.boxes import mean_average_precision
from smemu.formats.images import pack_header
from smemu.formats.recordio import frame

SIDE = 48
CLASSES = 3


def scene(rng, side: int = SIDE, fmt: str = "PNG"):
    """(encoded image, [(class_id, left, top, width, height), ...]) of one random scene."""
    from PIL import Image, ImageDraw

    image = Image.fromarray(rng.integers(90, 160, size=(side, side, 3), dtype=np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    count = int(rng.integers(1, 3))
    objects = []
    halves = [(0, side // 2), (side // 2, side)] if count == 2 else [(0, side)]
    for lo, hi in halves:      # two objects: one in each half, so they never overlap
        label = int(rng.integers(0, CLASSES))
        size = int(rng.integers(side // 5, min(side // 3, hi - lo) + 1))
        x = int(rng.integers(0, side - size))
        y = int(rng.integers(lo, hi - size))
        colour = tuple(int(c) for c in np.clip(np.array(COLOURS[label])
                                               + rng.integers(-20, 21, 3), 0, 255))
        box = (x, y, x + size - 1, y + size - 1)
        if label == 0:
            draw.ellipse(box, fill=colour)
        elif label == 1:
            draw.rectangle(box, fill=colour)
        else:
            draw.polygon(((x + size // 2, y), (x, y + size - 1), (x + size - 1, y + size - 1)),
                         fill=colour)
        objects.append((label, x, y, size, size))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue(), objects


def annotation(file: str, objects, side: int = SIDE) -> bytes:
    return json.dumps({
        "file": file, "image_size": [{"width": side, "height": side, "depth": 3}],
        "annotations": [{"class_id": c, "left": x, "top": y, "width": w, "height": h}
                        for c, x, y, w, h in objects],
        "categories": [{"class_id": i, "name": n} for i, n in
                       enumerate(("disc", "square", "triangle"))]}).encode()


def label_row(objects, side: int = SIDE) -> list[float]:
    row = [2.0, 5.0]
    for c, x, y, w, h in objects:
        row += [float(c), x / side, y / side, (x + w) / side, (y + h) / side]
    return row


def truth(objects, side: int = SIDE) -> np.ndarray:
    return np.asarray(label_row(objects, side)[2:], dtype=np.float64).reshape(-1, 5)


def recordio(scenes) -> bytes:
    return b"".join(frame(pack_header(label_row(objs), i) + data)
                    for i, (data, objs) in enumerate(scenes))


def _map(predictions, features, truths):
    """Training mAP at IoU 0.5 of the served detections; the floor is 0.5."""
    return mean_average_precision(list(predictions["prediction"]), list(truths), CLASSES), 0.5


HYPERPARAMETERS = {"num_classes": str(CLASSES), "image_shape": "300", "epochs": "8",
                   "learning_rate": "0.05", "mini_batch_size": "64"}


def samples(rng) -> list[SampleData]:
    train = [scene(rng) for _ in range(40)]
    valid = [scene(rng) for _ in range(20)]
    hyperparameters = {**HYPERPARAMETERS, "num_training_samples": str(len(train))}
    labels = np.empty(len(train), dtype=object)
    channels = {"train": (decoded([d for d, _ in train]), labels),
                "validation": (decoded([d for d, _ in valid]), None)}
    truths = [truth(objs) for _, objs in train]

    def listed(name, scenes):
        return ({f"{name}-{i:03d}.png": data for i, (data, _) in enumerate(scenes)},
                {f"{name}-{i:03d}.json": annotation(f"{name}-{i:03d}.png", objs)
                 for i, (_, objs) in enumerate(scenes)})

    train_images, train_annotations = listed("train", train)
    valid_images, valid_annotations = listed("validation", valid)
    common = dict(channels=channels, hyperparameters=hyperparameters, quality=_map,
                  truth=truths, serving_type="image/png", request_body=train[0][0])
    return [
        SampleData(content_type="application/x-image", files={
            "train": train_images, "train_annotation": train_annotations,
            "validation": valid_images, "validation_annotation": valid_annotations}, **common),
        SampleData(content_type="application/x-recordio", files={
            "train": {"train.rec": recordio(train)},
            "validation": {"validation.rec": recordio(valid)}}, **common),
    ]
