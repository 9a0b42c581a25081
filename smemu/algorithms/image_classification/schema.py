"""Image classification hyperparameters, as the AWS developer guide page "Image Classification
Hyperparameters" lists them: names, valid values, defaults, and the two required ones
(``num_classes``, ``num_training_samples``).

Most of them steer the real ResNet's training (layers, optimiser, schedule, augmentation);
smemu's small reference model reads ``num_classes``, ``image_shape``, ``resize``, ``epochs``,
``learning_rate``, ``mini_batch_size``, ``weight_decay``, ``multi_label`` and ``top_k`` and
accepts the others as the real container does (see README, "Image classification").
"""

from __future__ import annotations

from smemu.algorithms.hyperparameters import (
    Boolean, Choice, Float, Integer, IntegerList, Schema, Text, require)

#: the depths the real network is built with (ImageNet-style and CIFAR-style ResNets)
NUM_LAYERS = ("18", "34", "50", "101", "152", "200", "20", "32", "44", "56", "110")
ZERO_ONE = ("0", "1")


def parse_image_shape(text: str) -> tuple[int, int, int]:
    """``"3,224,224"`` -> (3, 224, 224); ValueError unless three positive integers with 1 or 3
    channels."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    channels, height, width = (int(p) for p in parts)
    if channels not in (1, 3) or height < 1 or width < 1:
        raise ValueError(text)
    return channels, height, width


class ImageShape(Text):
    allowed = "'num_channels,height,width' with 1 or 3 channels, e.g. '3,224,224'"

    def convert(self, text: str):
        return parse_image_shape(text)



def _checks(config) -> None:
    require(config["top_k"] is None or config["top_k"] > 1,
            "top_k must be greater than 1.", "top_k")
    frequency = config["checkpoint_frequency"]
    require(frequency is None or frequency <= config["epochs"],
            f"checkpoint_frequency ({frequency}) must not be greater than epochs "
            f"({config['epochs']}).", "checkpoint_frequency")


SCHEMA = Schema(
    "image-classification",
    {
        "num_classes": Integer(min=1, required=True, doc="number of output classes"),
        "num_training_samples": Integer(min=1, required=True,
                                        doc="number of training examples"),
        "augmentation_type": Choice(("crop", "crop_color", "crop_color_transform"),
                                    doc="data augmentation (no default: none)"),
        "beta_1": Float("0.9", min=0, max=1, doc="adam's beta1"),
        "beta_2": Float("0.999", min=0, max=1, doc="adam's beta2"),
        "checkpoint_frequency": Integer(min=1, doc="epochs between stored checkpoints"),
        "early_stopping": Boolean("False", doc="stop when validation accuracy stops improving"),
        "early_stopping_min_epochs": Integer("10", min=1),
        "early_stopping_patience": Integer("5", min=1),
        "early_stopping_tolerance": Float("0.0", min=0, max=1),
        "epochs": Integer("30", min=1, doc="passes over the training data"),
        "eps": Float("1e-8", min=0, doc="epsilon of adam and rmsprop"),
        "gamma": Float("0.9", min=0, max=1, doc="rmsprop's decay factor"),
        "image_shape": ImageShape("3,224,224", doc="num_channels,height,width of the input"),
        "kv_store": Choice(("dist_sync", "dist_async"), doc="distributed training mode"),
        "learning_rate": Float("0.1", min=0, max=1, doc="initial learning rate"),
        "lr_scheduler_factor": Float("0.1", min=0, max=1),
        "lr_scheduler_step": IntegerList(doc="epochs at which the learning rate is reduced"),
        "mini_batch_size": Integer("32", min=1, doc="images per mini-batch"),
        "momentum": Float("0.9", min=0, max=1),
        "multi_label": Choice(ZERO_ONE, default="0", doc="1: every class is a yes/no label"),
        "num_layers": Choice(NUM_LAYERS, default="152", doc="depth of the ResNet"),
        "optimizer": Choice(("sgd", "adam", "rmsprop", "nag"), default="sgd"),
        "precision_dtype": Choice(("float32", "float16"), default="float32"),
        "resize": Integer(min=1, doc="shorter side of each image after resizing (no default)"),
        "top_k": Integer("5", min=1, doc="reports top-k accuracy during training"),
        "use_pretrained_model": Choice(ZERO_ONE, default="0"),
        "use_weighted_loss": Choice(ZERO_ONE, default="0"),
        "weight_decay": Float("0.0001", min=0, max=1),
    },
    checks=(_checks,),
)
