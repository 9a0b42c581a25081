"""SageMaker's built-in image classification (``image-classification``), emulated with a small
reference model.

Training reads the ``train`` and ``validation`` channels — im2rec RecordIO
(``application/x-recordio``), or images listed by the ``train_lst``/``validation_lst`` channels'
``.lst`` files (``application/x-image``) — through the same checks ``smemu validate`` runs, turns
every image into pooled pixel features (:mod:`smemu.algorithms.images`) and trains
:class:`~smemu.algorithms.softmax.PixelClassifier` for ``epochs`` epochs,
printing each epoch as MXNet's ``Module.fit`` prints it in the real container's log::

    Epoch[0] Train-accuracy=0.812500
    Epoch[0] Time cost=0.012
    Epoch[0] Validation-accuracy=0.843750

The model files carry the real names (``image-classification-symbol.json``,
``image-classification-0000.params``, ``model-shapes.json``); see
:mod:`~smemu.algorithms.image_classification.artifact`.
"""

from __future__ import annotations

import time
from typing import Mapping

import numpy as np

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.images import pixel_features
from smemu.algorithms.image_classification import artifact
from smemu.algorithms.image_classification.labels import label_array
from smemu.algorithms.softmax import accuracy, best_of_epochs, one_hot, trainer_for
from smemu.algorithms.reporting import Reporter

READ_BATCH = 256
REFERENCE_NOTE = ("smemu trains a small reference model, not the real algorithm's ResNet: a "
                  "softmax classifier on average-pooled pixels (num_layers, optimizer, "
                  "augmentation_type and use_pretrained_model are accepted and not used).")
#: what shapes the model: its seed
MODEL_KEYS = ("num_classes", "image_shape", "resize", "epochs", "learning_rate",
              "mini_batch_size", "weight_decay", "multi_label")


def read_images(channel: DataChannel, checks, config: Config):
    """(features, labels) of a whole channel, through the shared checks."""
    features, labels = [], []
    for batch in checked_batches(channel, READ_BATCH, checks):
        features.append(pixel_features(batch.features, config["image_shape"], config["resize"]))
        labels.append(label_array(batch.labels, config["num_classes"],
                                  config["multi_label"] == "1"))
    records = sum(len(f) for f in features)
    checks.end(channel.name, records)
    return np.concatenate(features), np.concatenate(labels)


def targets_of(labels: np.ndarray, config: Config) -> np.ndarray:
    if config["multi_label"] == "1":
        return labels.reshape(len(labels), -1).astype(np.float32)
    return one_hot(labels, config["num_classes"])


class ImageClassification(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        reporter.info(REFERENCE_NOTE)
        checks = self.input_checks(config)
        multi_label = config["multi_label"] == "1"
        x, labels = read_images(channels["train"], checks, config)
        for remark in checks.remarks("train", len(x)):
            reporter.warning("%s", remark)
        y = targets_of(labels, config)
        validation = None
        if "validation" in channels:
            vx, vlabels = read_images(channels["validation"], checks, config)
            validation = (vx, targets_of(vlabels, config))
        reporter.info("Training on %d images (%d pooled pixel features each)", len(x), x.shape[1])
        trainer = trainer_for(x, y, config, config.seed(MODEL_KEYS), multi_label)

        epoch_start = [time.perf_counter()]

        def evaluate(epoch, model):
            train_accuracy = accuracy(model.probabilities(x), y, multi_label)
            reporter.info("Epoch[%d] Train-accuracy=%f", epoch, train_accuracy)
            now = time.perf_counter()
            reporter.info("Epoch[%d] Time cost=%.3f", epoch, now - epoch_start[0])
            epoch_start[0] = now
            if validation is None:
                return train_accuracy
            score = accuracy(model.probabilities(validation[0]), validation[1], multi_label)
            reporter.info("Epoch[%d] Validation-accuracy=%f", epoch, score)
            return score

        best_epoch = [0]

        def on_best(epoch, score):
            best_epoch[0] = epoch + 1          # MXNet numbers checkpoints from 1
            reporter.info("Storing the best model with validation accuracy: %f", score)

        best = best_of_epochs(trainer, config["epochs"], evaluate, reporter, on_best)
        name = artifact.params_name(best_epoch[0])
        reporter.info('Saved checkpoint to "/opt/ml/model/%s"', name)
        return ModelArtifact(layout="files", files=artifact.model_files(
            best.weight, best.bias, config["image_shape"], multi_label, best_epoch[0]))
