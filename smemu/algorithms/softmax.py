"""Softmax regression, the small reference models of the image built-ins share it (image
classification on pooled pixels, object detection and semantic segmentation per pixel).

Not the real algorithms' networks: small, honest models that train in seconds on a CPU, so a
pipeline (train, deploy, invoke with a real JPEG, parse the answer) can be tested end to end.
Features are centred on the training mean and the weights trained by mini-batch gradient
descent with momentum on the cross-entropy (``multi_label``: a sigmoid per class, binary
cross-entropy), with L2 ``weight_decay``.
"""

from __future__ import annotations

import numpy as np

MOMENTUM = 0.9


def softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(scores: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(scores, -60, 60)))


class PixelClassifier:
    """``weight`` (classes, features) and ``bias`` (classes,) act on raw [0, 1] features: the
    training mean is folded into the bias, so the model is one FullyConnected layer."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray, multi_label: bool = False):
        self.weight = np.asarray(weight, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)
        self.multi_label = multi_label

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        scores = features @ self.weight.T + self.bias
        return sigmoid(scores) if self.multi_label else softmax(scores)


class Trainer:
    """Epoch-by-epoch training; ``model()`` is the classifier after the epochs run so far."""

    def __init__(self, features: np.ndarray, targets: np.ndarray, num_classes: int, *,
                 multi_label: bool, learning_rate: float, batch_size: int, weight_decay: float,
                 seed: int):
        self.mean = features.mean(axis=0)
        self.x = (features - self.mean).astype(np.float32)
        self.targets = targets
        self.multi_label = multi_label
        self.rate = learning_rate
        self.batch = batch_size
        self.decay = weight_decay
        self.rng = np.random.default_rng(seed)
        self.w = np.zeros((num_classes, features.shape[1]), dtype=np.float32)
        self.b = np.zeros(num_classes, dtype=np.float32)
        self.vw = np.zeros_like(self.w)
        self.vb = np.zeros_like(self.b)

    def epoch(self) -> None:
        order = self.rng.permutation(len(self.x))
        for start in range(0, len(order), self.batch):
            rows = order[start:start + self.batch]
            scores = self.x[rows] @ self.w.T + self.b
            p = sigmoid(scores) if self.multi_label else softmax(scores)
            error = (p - self.targets[rows]) / len(rows)
            gw = error.T @ self.x[rows] + self.decay * self.w
            gb = error.sum(axis=0)
            self.vw = MOMENTUM * self.vw - self.rate * gw
            self.vb = MOMENTUM * self.vb - self.rate * gb
            self.w += self.vw
            self.b += self.vb

    def model(self) -> PixelClassifier:
        return PixelClassifier(self.w.copy(), self.b - self.w @ self.mean, self.multi_label)


def trainer_for(x: np.ndarray, targets: np.ndarray, config, seed: int,
                multi_label: bool = False) -> Trainer:
    """A Trainer with the image built-ins' ``learning_rate``, ``mini_batch_size`` and
    ``weight_decay``."""
    return Trainer(x, targets, targets.shape[1], multi_label=multi_label,
                   learning_rate=config["learning_rate"], batch_size=config["mini_batch_size"],
                   weight_decay=config["weight_decay"], seed=seed)


def best_of_epochs(trainer: Trainer, epochs: int, evaluate, reporter,
                   on_best=None) -> PixelClassifier:
    """Runs ``epochs`` epochs; after each, ``evaluate(epoch, model)`` prints the epoch's metrics
    and gives its score. The model of the best score is kept (the first of equal ones);
    ``on_best(epoch, score)`` is told when it changes."""
    best, best_score = None, -np.inf
    for epoch in range(epochs):
        trainer.epoch()
        model = trainer.model()
        score = evaluate(epoch, model)
        if score > best_score:
            best, best_score = model, score
            if on_best is not None:
                on_best(epoch, score)
        reporter.progress((epoch + 1) / epochs)
    return best


def one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    out = np.zeros((len(labels), num_classes), dtype=np.float32)
    out[np.arange(len(labels)), labels.astype(np.int64)] = 1.0
    return out


def cross_entropy(probabilities: np.ndarray, classes: np.ndarray) -> float:
    """Mean negative log-probability of each row's class."""
    picked = probabilities[np.arange(len(classes)), classes]
    return float(-np.mean(np.log(np.maximum(picked, 1e-12))))


def accuracy(probabilities: np.ndarray, targets: np.ndarray, multi_label: bool) -> float:
    """Top-1 accuracy; for multi-label, the share of (image, class) decisions right at 0.5."""
    if multi_label:
        return float(np.mean((probabilities > 0.5) == (targets > 0.5)))
    return float(np.mean(probabilities.argmax(axis=1) == targets.argmax(axis=1)))
