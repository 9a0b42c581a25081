"""Running Linear Learner in tests: train on arrays, capture its log lines, score its artifact."""

from __future__ import annotations

import logging

import numpy as np

from channels import channels
from smemu.algorithms import get_algorithm
from smemu.algorithms.linear_learner.inference import predict
from smemu.algorithms.reporting import Reporter


class LogLines(logging.Handler):
    """Collects what the algorithm logs (``smemu.algorithm`` and bare ``smemu.metrics``)."""

    NAMES = ("smemu.algorithm", "smemu.metrics")

    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())

    def __enter__(self):
        for name in self.NAMES:
            logger = logging.getLogger(name)
            logger.addHandler(self)
            self._level = logger.level
            logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc):
        for name in self.NAMES:
            logging.getLogger(name).removeHandler(self)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def train(hyperparameters: dict, **data):
    """Train on ``data`` (``train=(X, y)``, ``validation=...``, ``test=...``); returns
    ``(artifact, log_lines)``."""
    algo = get_algorithm("linear-learner")
    config = algo.schema.resolve(hyperparameters)
    with LogLines() as log:
        artifact = algo.train(config, channels(**data), Reporter(algo.metrics_name))
    return artifact, log


def raw_scores(artifact, X) -> np.ndarray:
    """``X @ fc0_weight + fc0_bias``: what the model's dot and broadcast_add nodes give."""
    w, b = artifact.arrays["arg:fc0_weight"], artifact.arrays["arg:fc0_bias"]
    return np.asarray(X @ w) + b


def predict_labels(artifact, X) -> np.ndarray:
    """Predicted labels (classifiers) or predictions (regressors)."""
    score, label = predict(artifact, X)
    return score if label is None else label
