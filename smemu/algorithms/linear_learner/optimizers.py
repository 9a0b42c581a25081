"""SGD, Adam and RMSProp over one weight tensor holding every model, and the LR schedule.

The weights of all models are one (feature_dim, models * outputs) matrix ``W`` and one bias vector
``b``; learning rate, L2 (``wd``) and L1 are per column, so each model keeps its own settings
while a single array operation updates them all.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-8


class FactorSchedule:
    """MXNet's FactorScheduler: every ``step`` updates the rate is multiplied by ``factor``,
    never going under ``minimum`` (nor under a base rate already below it)."""

    def __init__(self, base: np.ndarray, step: int, factor: float, minimum: float):
        self.base = np.asarray(base, dtype=np.float32)
        self.step, self.factor = step, factor
        self.floor = np.minimum(self.base, np.float32(minimum))

    def at(self, update: int) -> np.ndarray:
        return np.maximum(self.base * np.float32(self.factor ** (update // self.step)), self.floor)


class Optimizer:
    def __init__(self, kind: str, W: np.ndarray, b: np.ndarray, schedule: FactorSchedule, *,
                 wd: np.ndarray, l1: np.ndarray, bias_lr_mult: float, bias_wd_mult: float,
                 momentum: float = 0.0, beta_1: float = 0.9, beta_2: float = 0.999):
        if kind not in ("sgd", "adam", "rmsprop"):
            raise ValueError(f"unknown optimizer {kind!r}")
        self.kind = kind
        self.schedule = schedule
        self.wd = np.asarray(wd, dtype=np.float32)
        self.l1 = np.asarray(l1, dtype=np.float32)
        self.bias_lr_mult, self.bias_wd_mult = np.float32(bias_lr_mult), np.float32(bias_wd_mult)
        self.momentum, self.beta_1, self.beta_2 = momentum, beta_1, beta_2
        self.updates = 0
        self.state_w = [np.zeros_like(W) for _ in range(2 if kind == "adam" else 1)]
        self.state_b = [np.zeros_like(b) for _ in range(2 if kind == "adam" else 1)]

    def lr(self) -> np.ndarray:
        return self.schedule.at(self.updates)

    def step(self, W: np.ndarray, b: np.ndarray, gW: np.ndarray, gb: np.ndarray | None) -> None:
        """One update of ``W`` and ``b`` in place from their loss gradients."""
        self.updates += 1
        lr = self.lr()
        gW += self.wd * W
        self._apply(W, gW, lr, self.state_w)
        if np.any(self.l1 > 0):  # proximal step: soft-threshold towards zero
            shrink = lr * self.l1
            np.copyto(W, np.sign(W) * np.maximum(np.abs(W) - shrink, 0.0))
        if gb is not None:
            gb += self.wd * self.bias_wd_mult * b
            self._apply(b, gb, lr * self.bias_lr_mult, self.state_b)

    def _apply(self, p, g, lr, state) -> None:
        if self.kind == "sgd":
            (mom,) = state
            mom *= self.momentum
            mom -= lr * g
            p += mom
        elif self.kind == "adam":
            m, v = state
            t = self.updates
            m *= self.beta_1
            m += (1.0 - self.beta_1) * g
            v *= self.beta_2
            v += (1.0 - self.beta_2) * (g * g)
            rate = lr * np.float32(np.sqrt(1.0 - self.beta_2 ** t) / (1.0 - self.beta_1 ** t))
            p -= rate * m / (np.sqrt(v) + EPS)
        else:  # rmsprop, MXNet's non-centered form with gamma1 = 0.95
            (n,) = state
            n *= 0.95
            n += 0.05 * (g * g)
            p -= lr * g / np.sqrt(n + EPS)
