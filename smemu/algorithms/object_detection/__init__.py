"""SageMaker's built-in object detection (``object-detection``), emulated with a small reference
detector.

Training reads ``train`` and ``validation`` — im2rec RecordIO whose labels are the detection
layout, or images with the ``train_annotation``/``validation_annotation`` JSON files — through
the checks ``smemu validate`` runs. The reference detector (not the real SSD network) is a
per-pixel colour classifier: each image is resized to a small square, each pixel described by
its colour and the colour's second-order terms (:func:`smemu.algorithms.images.colour_features`)
and labelled with the class of the box it lies in (or background); softmax regression
(:mod:`smemu.algorithms.softmax`) learns them, epoch by epoch, from every object pixel and as
many background pixels. A detection is a connected region of pixels of one class: its bounding
box, scored by the region's mean class probability (:mod:`.boxes`). Each epoch prints, as the
real log does::

    #quality_metric: host=algo-1, epoch=0, train cross_entropy <loss>=0.41
    #quality_metric: host=algo-1, epoch=0, validation mAP <score>=0.83
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.images import colour_features, resized_to
from smemu.algorithms.object_detection import artifact
from smemu.algorithms.object_detection.boxes import (
    detect, mean_average_precision, objects, pixel_targets)
from smemu.algorithms.reporting import Reporter
from smemu.algorithms.softmax import best_of_epochs, cross_entropy, one_hot, trainer_for

READ_BATCH = 64
WORKING_SIDE = 32
REFERENCE_NOTE = ("smemu trains a small reference detector, not the real algorithm's SSD "
                  "network: a per-pixel colour classifier whose connected regions are the "
                  "detections (base_network, optimizer and use_pretrained_model are accepted and "
                  "not used).")
MODEL_KEYS = ("num_classes", "image_shape", "epochs", "learning_rate", "mini_batch_size",
              "weight_decay")


def working_side(config: Config) -> int:
    return min(config["image_shape"], WORKING_SIDE)


def read_images(channel: DataChannel, checks, side: int):
    """(per-image pixel features, per-image objects) of a whole channel."""
    features, truths = [], []
    for batch in checked_batches(channel, READ_BATCH, checks):
        labels = np.asarray(batch.labels, dtype=np.float64).reshape(len(batch.labels), -1)
        for image, label in zip(np.asarray(batch.features, dtype=object).reshape(-1), labels):
            features.append(colour_features(resized_to(image, side, side)))
            truths.append(objects(label))
    checks.end(channel.name, len(features))
    return features, truths


def balanced_pixels(features, truths, side: int, rng):
    """Every object pixel and as many background pixels (at least 16 an image)."""
    xs, ys = [], []
    for f, boxes in zip(features, truths):
        target = pixel_targets(boxes, side, side)
        inside = np.flatnonzero(target > 0)
        outside = np.flatnonzero(target == 0)
        take = rng.choice(outside, size=min(len(outside), max(16, len(inside))), replace=False)
        rows = np.concatenate([inside, take])
        xs.append(f[rows])
        ys.append(target[rows])
    return np.concatenate(xs), np.concatenate(ys)


def detections(model, features, side: int) -> list:
    return [detect(model.probabilities(f), side, side) for f in features]


class ObjectDetection(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        reporter.info(REFERENCE_NOTE)
        checks = self.input_checks(config)
        side = working_side(config)
        train_features, train_truths = read_images(channels["train"], checks, side)
        for remark in checks.remarks("train", len(train_features)):
            reporter.warning("%s", remark)
        valid_features, valid_truths = read_images(channels["validation"], checks, side)
        k = config["num_classes"]
        seed = config.seed(MODEL_KEYS)
        x, y = balanced_pixels(train_features, train_truths, side, np.random.default_rng(seed))
        targets = one_hot(y, k + 1)
        reporter.info("Training the pixel classifier on %d pixels of %d images (%dx%d each)",
                      len(x), len(train_features), side, side)
        trainer = trainer_for(x, targets, config, seed)

        def evaluate(epoch, model):
            reporter.quality("train", "cross_entropy", cross_entropy(model.probabilities(x), y),
                             epoch=epoch)
            value = mean_average_precision(detections(model, valid_features, side),
                                           valid_truths, k)
            reporter.quality("validation", "mAP", value, kind="score", epoch=epoch)
            return value

        best = best_of_epochs(trainer, config["epochs"], evaluate, reporter, lambda _epoch, value: (
            reporter.info("Updating the best model with validation-mAP=%s", value)))
        return ModelArtifact(layout="files", files=artifact.model_files(
            best.weight, best.bias, dict(config.raw), side))
