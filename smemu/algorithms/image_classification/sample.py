"""Tiny image classification problems: coloured shapes drawn by Pillow (a red disc, a green
square, a blue triangle) at random places and sizes on a noisy grey background, as im2rec
RecordIO and as images listed by ``.lst`` files."""

from __future__ import annotations

import io

import numpy as np

from smemu.algorithms.descriptor import SampleData
from smemu.formats.images import decode_image, pack_header
from smemu.formats.recordio import frame

SIDE = 32
CLASSES = 3
COLOURS = ((220, 40, 40), (40, 200, 60), (50, 70, 230))


def shape_image(rng, label: int, side: int = SIDE, fmt: str = "PNG") -> bytes:
    """An encoded image of the shape of class ``label``."""
    from PIL import Image, ImageDraw

    background = rng.integers(90, 160, size=(side, side, 3), dtype=np.uint8)
    image = Image.fromarray(background, "RGB")
    draw = ImageDraw.Draw(image)
    size = int(rng.integers(side // 3, side // 2 + 1))
    x, y = (int(v) for v in rng.integers(0, side - size, size=2))
    colour = tuple(int(c) for c in np.clip(np.array(COLOURS[label]) + rng.integers(-20, 21, 3),
                                           0, 255))
    if label == 0:
        draw.ellipse((x, y, x + size, y + size), fill=colour)
    elif label == 1:
        draw.rectangle((x, y, x + size, y + size), fill=colour)
    else:
        draw.polygon(((x + size // 2, y), (x, y + size), (x + size, y + size)), fill=colour)
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def shapes(rng, count: int) -> tuple[list[bytes], np.ndarray]:
    labels = np.arange(count) % CLASSES
    rng.shuffle(labels)
    return [shape_image(rng, int(label)) for label in labels], labels.astype(np.float32)


def recordio(encoded: list[bytes], labels) -> bytes:
    return b"".join(frame(pack_header(float(label), i) + data)
                    for i, (data, label) in enumerate(zip(encoded, labels)))


def listing(labels, names) -> bytes:
    return "".join(f"{i}\t{float(label)}\t{name}\n"
                   for i, (label, name) in enumerate(zip(labels, names))).encode()


def decoded(encoded: list[bytes]) -> np.ndarray:
    column = np.empty((len(encoded), 1), dtype=object)
    for i, data in enumerate(encoded):
        column[i, 0] = decode_image(data, "the sample image")
    return column


def _accuracy(predictions, features, labels):
    """Top-1 accuracy of the served probabilities; the floor: chance (1/3) plus 30 points."""
    predicted = np.asarray(predictions["probabilities"]).argmax(axis=1)
    return float(np.mean(predicted == labels)), 1.0 / CLASSES + 0.3


HYPERPARAMETERS = {"num_classes": str(CLASSES), "image_shape": f"3,{SIDE},{SIDE}",
                   "epochs": "15", "learning_rate": "0.05", "mini_batch_size": "16"}


def samples(rng) -> list[SampleData]:
    train, train_labels = shapes(rng, 90)
    valid, valid_labels = shapes(rng, 45)
    channels = {"train": (decoded(train), train_labels),
                "validation": (decoded(valid), valid_labels)}
    hyperparameters = {**HYPERPARAMETERS, "num_training_samples": str(len(train))}
    names = [f"class{int(label)}/img{i:03d}.png" for i, label in enumerate(train_labels)]
    valid_names = [f"class{int(label)}/val{i:03d}.png" for i, label in enumerate(valid_labels)]
    listed = {
        "train": dict(zip(names, train)),
        "validation": dict(zip(valid_names, valid)),
        "train_lst": {"train.lst": listing(train_labels, names)},
        "validation_lst": {"validation.lst": listing(valid_labels, valid_names)},
    }
    return [
        SampleData(channels=channels, hyperparameters=hyperparameters, quality=_accuracy,
                   content_type="application/x-recordio", serving_type="image/png",
                   request_body=train[0],
                   files={"train": {"train.rec": recordio(train, train_labels)},
                          "validation": {"validation.rec": recordio(valid, valid_labels)}}),
        SampleData(channels=channels, hyperparameters=hyperparameters, quality=_accuracy,
                   content_type="application/x-image", serving_type="image/png",
                   request_body=train[0], files=listed),
    ]
