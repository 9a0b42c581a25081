"""Object detection hyperparameters, as the AWS developer guide page "Object Detection
Hyperparameters" lists them: names, valid values, defaults, and the two required ones
(``num_classes``, ``num_training_samples``).

smemu's reference model reads ``num_classes``, ``epochs``, ``learning_rate``,
``mini_batch_size`` and ``weight_decay`` (see README, "Object
detection"); the others steer the real SSD network and are checked and accepted.
"""

from __future__ import annotations

from smemu.algorithms.hyperparameters import (
    Boolean, Choice, Float, Integer, IntegerList, Schema, Text)



SCHEMA = Schema(
    "object-detection",
    {
        "num_classes": Integer(min=1, required=True, doc="number of object classes"),
        "num_training_samples": Integer(min=1, required=True,
                                        doc="number of training images"),
        "base_network": Choice(("vgg-16", "resnet-50"), default="vgg-16"),
        "early_stopping": Boolean("False"),
        "early_stopping_min_epochs": Integer("10", min=1),
        "early_stopping_patience": Integer("5", min=1),
        "early_stopping_tolerance": Float("0.0", min=0, max=1, max_open=True),
        "epochs": Integer("30", min=1, doc="passes over the training data"),
        "freeze_layer_pattern": Text(doc="regex of the base network's layers to freeze"),
        "image_shape": Integer("300", min=1, doc="input image side (images are resized square)"),
        "kv_store": Choice(("dist_sync", "dist_async"), doc="distributed training mode"),
        "label_width": Integer("350", min=1, doc="the padded label width of a record"),
        "learning_rate": Float("0.001", min=0, max=1, min_open=True),
        "lr_scheduler_factor": Float("0.1", min=0, max=1, min_open=True, max_open=True),
        "lr_scheduler_step": IntegerList(doc="epochs at which the learning rate is reduced"),
        "mini_batch_size": Integer("32", min=1),
        "momentum": Float("0.9", min=0, max=1, max_open=True),
        "nms_threshold": Float("0.45", min=0, max=1, max_open=True),
        "optimizer": Choice(("sgd", "adam", "rmsprop", "adadelta"), default="sgd"),
        "overlap_threshold": Float("0.5", min=0, max=1, max_open=True),
        "use_pretrained_model": Choice(("0", "1"), default="1"),
        "weight_decay": Float("0.0005", min=0, max=1, max_open=True),
    },
)
