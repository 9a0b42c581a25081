"""Semantic segmentation hyperparameters, as the AWS developer guide page "Semantic Segmentation
Hyperparameters" lists them (names, valid values, defaults; ``num_classes`` and
``num_training_samples`` required). smemu's reference model reads ``num_classes``, ``epochs``,
``learning_rate``, ``mini_batch_size`` and ``weight_decay``; the others steer the real networks
and are checked and accepted."""

from __future__ import annotations

from smemu.algorithms.hyperparameters import Boolean, Choice, Float, Integer, Schema

SCHEMA = Schema(
    "semantic-segmentation",
    {
        "num_classes": Integer(min=2, required=True, doc="number of classes (background too)"),
        "num_training_samples": Integer(min=1, required=True, doc="number of training images"),
        "backbone": Choice(("resnet-50", "resnet-101"), default="resnet-50"),
        "algorithm": Choice(("fcn", "psp", "deeplab"), default="fcn"),
        "use_pretrained_model": Boolean("True"),
        "crop_size": Integer("240", min=1, doc="side of the training crops"),
        "early_stopping": Boolean("False"),
        "early_stopping_min_epochs": Integer("5", min=1),
        "early_stopping_patience": Integer("4", min=1),
        "early_stopping_tolerance": Float("0.0", min=0, max=1),
        "epochs": Integer("10", min=1),
        "gamma1": Float("0.9", min=0, max=1),
        "gamma2": Float("0.9", min=0, max=1),
        "learning_rate": Float("0.001", min=0, max=1, min_open=True),
        "lr_scheduler": Choice(("step", "poly", "cosine"), default="poly"),
        "lr_scheduler_factor": Float("0.1", min=0, max=1),
        "mini_batch_size": Integer("16", min=1),
        "momentum": Float("0.9", min=0, max=1, max_open=True),
        "optimizer": Choice(("adam", "adagrad", "nag", "rmsprop", "sgd"), default="sgd"),
        "syncbn": Boolean("False"),
        "validation_mini_batch_size": Integer("16", min=1),
        "weight_decay": Float("0.0001", min=0, max=1),
    },
)
