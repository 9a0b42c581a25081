"""SageMaker's built-in semantic segmentation (``semantic-segmentation``), emulated with a small
reference segmenter.

Training reads ``train`` and ``validation`` images paired with the PNG masks of
``train_annotation``/``validation_annotation`` (mapped by the ``label_map`` channel's label maps)
through the checks ``smemu validate`` runs. The reference segmenter (not the real FCN/PSP/
DeepLab network) is softmax regression per pixel on colour and position
(:mod:`.pixels`, :mod:`smemu.algorithms.softmax`) at a 32 x 32 working resolution, trained epoch
by epoch; each epoch prints, in the real log's ``#quality_metric`` form::

    #quality_metric: host=algo-1, epoch=0, train loss <loss>=0.52
    #quality_metric: host=algo-1, epoch=0, validation mIOU <score>=0.71
    #quality_metric: host=algo-1, epoch=0, validation pixel_accuracy <score>=0.93
"""

from __future__ import annotations

import io
import json
from typing import Mapping

import numpy as np

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.reporting import Reporter
from smemu.algorithms.semantic_segmentation.pixels import (
    IGNORE, WORKING_SIDE, image_pixels, mask_pixels, scores)
from smemu.algorithms.softmax import best_of_epochs, cross_entropy, one_hot, trainer_for
from smemu.formats.ndarray import save_ndarrays

READ_BATCH = 32
MODEL = "model_algo-1"
HYPERPARAMS = "hyperparams.json"
REFERENCE_NOTE = ("smemu trains a small reference segmenter, not the real algorithm's "
                  "FCN/PSP/DeepLab network: softmax regression per pixel on colour and position "
                  "(backbone, algorithm, crop_size and use_pretrained_model are accepted and not "
                  "used).")
MODEL_KEYS = ("num_classes", "epochs", "learning_rate", "mini_batch_size", "weight_decay")


def read_pixels(channel: DataChannel, checks):
    """(per-image pixel features, per-image pixel classes) of a whole channel."""
    features, classes = [], []
    for batch in checked_batches(channel, READ_BATCH, checks):
        for image, mask in zip(np.asarray(batch.features, dtype=object).reshape(-1),
                               batch.labels):
            features.append(image_pixels(image))
            classes.append(mask_pixels(mask))
    checks.end(channel.name, len(features))
    return features, classes


class SemanticSegmentation(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        reporter.info(REFERENCE_NOTE)
        checks = self.input_checks(config)
        train_x, train_y = read_pixels(channels["train"], checks)
        for remark in checks.remarks("train", len(train_x)):
            reporter.warning("%s", remark)
        valid_x, valid_y = read_pixels(channels["validation"], checks)
        k = config["num_classes"]
        x, y = np.concatenate(train_x), np.concatenate(train_y)
        keep = y != IGNORE
        x, y = x[keep], y[keep]
        reporter.info("Training the pixel classifier on %d pixels of %d images", len(x),
                      len(train_x))
        trainer = trainer_for(x, one_hot(y, k), config, config.seed(MODEL_KEYS))
        vx, vy = np.concatenate(valid_x), np.concatenate(valid_y)

        def evaluate(epoch, model):
            reporter.quality("train", "loss", cross_entropy(model.probabilities(x), y),
                             epoch=epoch)
            miou, accuracy = scores(model.probabilities(vx).argmax(axis=1), vy, k)
            reporter.quality("validation", "mIOU", miou, kind="score", epoch=epoch)
            reporter.quality("validation", "pixel_accuracy", accuracy, kind="score", epoch=epoch)
            return miou

        best = best_of_epochs(trainer, config["epochs"], evaluate, reporter)
        params = io.BytesIO()
        save_ndarrays(params, {"fc1_weight": best.weight, "fc1_bias": best.bias})
        hyperparams = {**config.raw, "smemu_working_side": str(WORKING_SIDE)}
        return ModelArtifact(layout="files", files={
            MODEL: params.getvalue(), HYPERPARAMS: json.dumps(hyperparams, indent=2).encode()})
