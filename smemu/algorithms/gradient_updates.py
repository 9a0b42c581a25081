"""MXNet's optimizers (sgd, adam, adagrad, adadelta, rmsprop) over a dict of numpy parameters.

Each step follows MXNet 1.x's update rules: the gradient is multiplied by ``rescale_grad``,
clipped to ``[-clip_gradient, clip_gradient]`` (when given), and ``wd * weight`` is added, then

* ``sgd``: ``w -= lr g``
* ``adam`` (beta1 0.9, beta2 0.999, epsilon 1e-8): bias-corrected moment estimates
* ``adagrad`` (epsilon 1e-7): ``h += g^2; w -= lr g / (sqrt(h) + eps)``
* ``adadelta`` (rho 0.9, epsilon 1e-5): ``w -= sqrt(D + eps) / sqrt(G + eps) g`` (no learning rate)
* ``rmsprop`` (gamma1 0.9, epsilon 1e-8): ``n = 0.9 n + 0.1 g^2; w -= lr g / sqrt(n + eps)``
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from smemu.algorithms.optimizer_names import OPTIMIZERS


class Updater:
    def __init__(self, kind: str, params: Mapping[str, np.ndarray], *, learning_rate: float,
                 wd: float = 0.0, rescale_grad: float = 1.0, clip_gradient: float | None = None):
        if kind not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {kind!r}")
        self.kind = kind
        self.lr, self.wd, self.rescale, self.clip = learning_rate, wd, rescale_grad, clip_gradient
        self.t = 0
        slots = 2 if kind in ("adam", "adadelta") else 1
        self.state = {name: [np.zeros_like(p) for _ in range(slots)] for name, p in params.items()}

    def step(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray],
             no_decay: tuple[str, ...] = ()) -> None:
        """Update ``params`` in place from ``grads`` (same keys); names in ``no_decay`` (biases,
        batch-norm shifts) get no weight decay."""
        self.t += 1
        for name, p in params.items():
            g = grads[name] * self.rescale
            if self.clip is not None and np.isfinite(self.clip):
                g = np.clip(g, -self.clip, self.clip)
            if self.wd and name not in no_decay:
                g = g + self.wd * p
            getattr(self, "_" + self.kind)(p, g, self.state[name])

    def step_rows(self, name: str, param: np.ndarray, rows: np.ndarray, grad: np.ndarray) -> None:
        """A lazy update of the ``rows`` of an embedding table (``grad`` holds their gradients,
        one row each): only those rows and their optimizer state change, as MXNet updates
        row-sparse gradients. Call it after ``step`` of the same update (which counts it)."""
        g = grad * self.rescale
        if self.clip is not None and np.isfinite(self.clip):
            g = np.clip(g, -self.clip, self.clip)
        p = param[rows]
        if self.wd:
            g = g + self.wd * p
        state = [s[rows] for s in self.state[name]]
        getattr(self, "_" + self.kind)(p, g, state)
        param[rows] = p
        for full, part in zip(self.state[name], state):
            full[rows] = part

    def _sgd(self, p, g, state):
        p -= self.lr * g

    def _adam(self, p, g, state):
        m, v = state
        m *= 0.9
        m += 0.1 * g
        v *= 0.999
        v += 0.001 * g * g
        rate = self.lr * np.sqrt(1.0 - 0.999 ** self.t) / (1.0 - 0.9 ** self.t)
        p -= rate * m / (np.sqrt(v) + 1e-8)

    def _adagrad(self, p, g, state):
        (h,) = state
        h += g * g
        p -= self.lr * g / (np.sqrt(h) + 1e-7)

    def _adadelta(self, p, g, state):
        acc_g, acc_delta = state
        acc_g *= 0.9
        acc_g += 0.1 * g * g
        delta = np.sqrt(acc_delta + 1e-5) / np.sqrt(acc_g + 1e-5) * g
        acc_delta *= 0.9
        acc_delta += 0.1 * delta * delta
        p -= delta

    def _rmsprop(self, p, g, state):
        (n,) = state
        n *= 0.9
        n += 0.1 * g * g
        p -= self.lr * g / np.sqrt(n + 1e-8)
