"""Tiny semantic segmentation problems: a red disc and a green square (classes 1 and 2) on a
noisy grey background (class 0), as JPEG images with PNG masks of the same base names."""

from __future__ import annotations

import io

import numpy as np

from smemu.algorithms.descriptor import SampleData
from smemu.algorithms.image_classification.sample import COLOURS, decoded
from smemu.algorithms.semantic_segmentation.pixels import scores

SIDE = 48
CLASSES = 3


def scene(rng, side: int = SIDE):
    """(JPEG bytes, PNG mask bytes, mask array) of one random scene."""
    from PIL import Image, ImageDraw

    image = Image.fromarray(rng.integers(90, 160, size=(side, side, 3), dtype=np.uint8), "RGB")
    mask = Image.new("L", (side, side), 0)
    for cls, (lo, hi) in zip(rng.permutation([1, 2]), [(0, side // 2), (side // 2, side)]):
        size = int(rng.integers(side // 5, side // 3 + 1))
        x = int(rng.integers(0, side - size))
        y = int(rng.integers(lo, hi - size))
        box = (x, y, x + size - 1, y + size - 1)
        colour = tuple(int(c) for c in COLOURS[cls - 1])
        for canvas, fill in ((ImageDraw.Draw(image), colour), (ImageDraw.Draw(mask), int(cls))):
            (canvas.ellipse if cls == 1 else canvas.rectangle)(box, fill=fill)
    jpeg, png = io.BytesIO(), io.BytesIO()
    image.save(jpeg, format="JPEG", quality=95)
    mask.save(png, format="PNG")
    return jpeg.getvalue(), png.getvalue(), np.asarray(mask)


def _miou(predictions, features, masks):
    """Mean IoU of the served masks on the train images; the floor is 0.5."""
    predicted = np.concatenate([p.argmax(axis=2).ravel() for p in predictions["probabilities"]])
    truth = np.concatenate([m.ravel() for m in masks]).astype(np.int64)
    return scores(predicted, truth, CLASSES)[0], 0.5


HYPERPARAMETERS = {"num_classes": str(CLASSES), "epochs": "6", "learning_rate": "0.1",
                   "mini_batch_size": "256"}


def samples(rng) -> list[SampleData]:
    train = [scene(rng) for _ in range(30)]
    valid = [scene(rng) for _ in range(15)]
    files = {
        "train": {f"t{i:03d}.jpg": s[0] for i, s in enumerate(train)},
        "train_annotation": {f"t{i:03d}.png": s[1] for i, s in enumerate(train)},
        "validation": {f"v{i:03d}.jpg": s[0] for i, s in enumerate(valid)},
        "validation_annotation": {f"v{i:03d}.png": s[1] for i, s in enumerate(valid)},
    }
    return SampleData(
        channels={"train": (decoded([s[0] for s in train]), None)},
        hyperparameters={**HYPERPARAMETERS, "num_training_samples": str(len(train))},
        content_type="image/jpeg", quality=_miou, truth=[s[2] for s in train],
        serving_type="image/jpeg", request_body=train[0][0], serving_accept="image/png",
        files=files)
