"""Linear Learner's loss functions, for many models at once.

Scores arrive as ``S`` of shape (records, models, outputs) — outputs is 1, or num_classes for
softmax — and labels as ``y`` of shape (records,). Each loss gives per-record, per-model values
(records, models) and their gradient with respect to ``S``.
"""

from __future__ import annotations

import numpy as np


def _log1pexp(x):
    """log(1 + exp(x)) without overflow, in x's precision."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow, in x's precision."""
    return 0.5 * (1 + np.tanh(0.5 * x))


class Loss:
    #: the hyperparameter value (``loss=``)
    name = ""
    #: the ``<name>_objective`` the log lines call it
    objective = ""

    def value_and_grad(self, S: np.ndarray, y: np.ndarray):
        raise NotImplementedError

    def value(self, S: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self.value_and_grad(S, y)[0]


class Logistic(Loss):
    name, objective = "logistic", "binary_classification_cross_entropy_objective"

    def value_and_grad(self, S, y):
        s = S[:, :, 0]
        t = y[:, None]
        loss = _log1pexp(s) - t * s
        return loss, (_sigmoid(s) - t)[:, :, None]


class Hinge(Loss):
    name, objective = "hinge_loss", "binary_classification_hinge_loss_objective"

    def __init__(self, margin: float = 1.0):
        self.margin = margin

    def value_and_grad(self, S, y):
        s = S[:, :, 0]
        t = (2.0 * y - 1.0)[:, None]
        gap = self.margin - t * s
        active = gap > 0
        return np.where(active, gap, 0.0), np.where(active, -t, 0.0)[:, :, None]


class Softmax(Loss):
    name, objective = "softmax_loss", "multiclass_cross_entropy_objective"

    def value_and_grad(self, S, y):
        labels = y.astype(np.int64)
        shifted = S - S.max(axis=2, keepdims=True)
        logsum = np.log(np.exp(shifted).sum(axis=2))
        rows = np.arange(S.shape[0])
        loss = logsum - shifted[rows, :, labels]
        grad = np.exp(shifted - logsum[:, :, None])
        grad[rows, :, labels] -= 1.0
        return loss, grad


class _Residual(Loss):
    """Regression losses of the residual r = score - label."""

    def value_and_grad(self, S, y):
        r = S[:, :, 0] - y[:, None]
        loss, slope = self.of_residual(r)
        return loss, slope[:, :, None]

    def of_residual(self, r):
        raise NotImplementedError

    def scaled(self, scale: float) -> "_Residual":
        """The same loss for labels divided by ``scale`` (its parameters are in label units)."""
        return self


class Squared(_Residual):
    name, objective = "squared_loss", "mse_objective"

    def of_residual(self, r):
        return r * r, 2.0 * r


class Absolute(_Residual):
    name, objective = "absolute_loss", "absolute_loss_objective"

    def of_residual(self, r):
        return np.abs(r), np.sign(r)


class EpsSquared(_Residual):
    name, objective = "eps_insensitive_squared_loss", "eps_insensitive_squared_loss_objective"

    def __init__(self, eps: float):
        self.eps = eps

    def of_residual(self, r):
        excess = np.maximum(np.abs(r) - self.eps, 0.0)
        return excess * excess, 2.0 * excess * np.sign(r)

    def scaled(self, scale):
        return type(self)(self.eps / scale)


class EpsAbsolute(EpsSquared):
    name, objective = "eps_insensitive_absolute_loss", "eps_insensitive_absolute_loss_objective"

    def of_residual(self, r):
        excess = np.maximum(np.abs(r) - self.eps, 0.0)
        return excess, np.where(excess > 0, np.sign(r), 0.0)


class Quantile(_Residual):
    name, objective = "quantile_loss", "quantile_loss_objective"

    def __init__(self, q: float):
        self.q = q

    def of_residual(self, r):
        # the label should exceed the prediction with probability q: r = score - label
        under = r < 0
        return np.where(under, -self.q * r, (1.0 - self.q) * r), np.where(under, -self.q, 1.0 - self.q)


class Huber(_Residual):
    name, objective = "huber_loss", "huber_loss_objective"

    def __init__(self, delta: float):
        self.delta = delta

    def of_residual(self, r):
        a = np.abs(r)
        small = a <= self.delta
        loss = np.where(small, 0.5 * r * r, self.delta * (a - 0.5 * self.delta))
        return loss, np.clip(r, -self.delta, self.delta)

    def scaled(self, scale):
        return type(self)(self.delta / scale)


def make_loss(config: dict) -> Loss:
    """The loss a resolved configuration names, with its parameters."""
    name = config["loss"]
    if name == "logistic":
        return Logistic()
    if name == "hinge_loss":
        return Hinge(config["margin"])
    if name == "softmax_loss":
        return Softmax()
    if name == "squared_loss":
        return Squared()
    if name == "absolute_loss":
        return Absolute()
    if name == "eps_insensitive_squared_loss":
        return EpsSquared(config["loss_insensitivity"])
    if name == "eps_insensitive_absolute_loss":
        return EpsAbsolute(config["loss_insensitivity"])
    if name == "quantile_loss":
        return Quantile(config["quantile"])
    if name == "huber_loss":
        return Huber(config["huber_delta"])
    raise ValueError(f"unknown loss {name!r}")


__all__ = ["Loss", "make_loss"]
