"""NTM hyperparameters, as the AWS developer guide page "NTM Hyperparameters" lists them."""

from __future__ import annotations

from smemu.algorithms.hyperparameters import (
    AUTO, Boolean, Choice, Float, Integer, Param, Schema)
from smemu.algorithms.optimizer_names import OPTIMIZERS

ACTIVATIONS = ("sigmoid", "tanh", "relu")


class LayerSizes(Param):
    """``auto`` or a comma-separated list of positive integers (``"100,50"``; ``"[100, 50]"``
    as the SDK sends a list is taken too)."""

    allowed = "'auto' or a comma-separated list of positive integers"

    def convert(self, text: str):
        if text.lower() == AUTO:
            return AUTO
        sizes = [int(part) for part in text.strip("[]").split(",") if part.strip()]
        if not sizes or any(s < 1 for s in sizes):
            raise ValueError(text)
        return sizes


class InfinityOrFloat(Float):
    """A float, or ``Infinity`` (the default of clip_gradient: no clipping)."""

    def convert(self, text: str):
        if text.lower() in ("inf", "infinity"):
            return float("inf")
        return super().convert(text)


SCHEMA = Schema(
    "ntm",
    {
        "feature_dim": Integer(min=1, max=1_000_000, required=True, doc="vocabulary size"),
        "num_topics": Integer(min=2, max=1000, required=True, doc="number of topics"),
        "batch_norm": Boolean("false", doc="batch normalisation in the encoder layers"),
        "clip_gradient": InfinityOrFloat("Infinity", min=1e-3,
                                         doc="maximum magnitude of each gradient component"),
        "encoder_layers": LayerSizes(AUTO, doc="encoder layer sizes; auto: 3 and 2 x num_topics"),
        "encoder_layers_activation": Choice(ACTIVATIONS, default="sigmoid",
                                            doc="activation of the encoder layers"),
        "epochs": Integer("50", min=1, doc="maximum passes over the training data"),
        "learning_rate": Float("0.001", min=1e-6, max=1.0, doc="optimizer learning rate"),
        "mini_batch_size": Integer("256", min=1, max=10000, doc="documents per mini-batch"),
        "num_patience_epochs": Integer("3", min=1,
                                       doc="epochs over which early stopping is evaluated"),
        "optimizer": Choice(OPTIMIZERS, default="adadelta", doc="the optimizer"),
        "rescale_gradient": Float("1.0", min=1e-3, max=1.0, doc="gradient rescale factor"),
        "sub_sample": Float("1.0", min=0.0, max=1.0, min_open=True,
                            doc="fraction of the training data sampled per epoch"),
        "tolerance": Float("0.001", min=1e-6, max=0.1,
                           doc="relative loss change under which training stops early"),
        "weight_decay": Float("0.0", min=0.0, max=1.0, doc="L2 regularisation coefficient"),
    },
)


def encoder_sizes(config) -> list[int]:
    layers = config["encoder_layers"]
    k = config["num_topics"]
    return [3 * k, 2 * k] if layers == AUTO else list(layers)
