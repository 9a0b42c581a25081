"""Initialisation and the per-group update of the three parameter groups.

The update is MXNet's AdaGrad step (``eps``, ``rescale_grad`` and ``clip_gradient`` are its
arguments, which is why the real algorithm documents them), applied with each group's own
learning rate and weight decay: ``g = clip(rescale_grad · grad)``, ``h += g²``,
``w -= lr · (g / sqrt(h + eps) + wd · w)``. For a sparse batch only the rows of ``w1`` and ``v``
the batch touches are updated (weight decay included), as MXNet's sparse (lazy) updates do.
When ``rescale_grad`` is not given it is 1 / mini_batch_size (a mean gradient, MXNet Module's
default); ``eps`` defaults to MXNet AdaGrad's 1e-7.
"""

from __future__ import annotations

import numpy as np

from smemu.algorithms.factorization_machines.model import FMParams, Gradients

DEFAULT_EPS = 1e-7


def initial_params(config, rng: np.random.Generator) -> FMParams:
    d, k = config["feature_dim"], config["num_factors"]

    def draw(group: str, shape) -> np.ndarray:
        # drawn as float32 directly: v can be feature_dim x num_factors large
        method = config[f"{group}_init_method"]
        if method == "uniform":
            scale = config[f"{group}_init_scale"]
            values = rng.random(size=shape, dtype=np.float32)
            values *= np.float32(2 * scale)
            values -= np.float32(scale)
        elif method == "constant":
            values = np.full(shape, config[f"{group}_init_value"], dtype=np.float32)
        else:
            values = rng.standard_normal(size=shape, dtype=np.float32)
            values *= np.float32(config[f"{group}_init_sigma"])
        return values

    return FMParams(w0=draw("bias", (1,)), w1=draw("linear", (d, 1)), v=draw("factors", (d, k)))


class AdaGrad:
    def __init__(self, config, params: FMParams):
        self.lr = {g: config[f"{g}_lr"] for g in ("bias", "linear", "factors")}
        self.wd = {g: config[f"{g}_wd"] for g in ("bias", "linear", "factors")}
        self.clip = config["clip_gradient"]
        self.eps = DEFAULT_EPS if config["eps"] is None else config["eps"]
        self.rescale = config["rescale_grad"]
        self.batch_size = config["mini_batch_size"]
        self.h0 = np.zeros_like(params.w0, dtype=np.float64)
        self.h1 = np.zeros(params.w1.shape[0], dtype=np.float32)
        self.hv = np.zeros_like(params.v)

    def _step(self, group: str, weight, grad, history):
        """New (weight, history) for one group's rows; ``weight`` and ``history`` are copies of
        the rows (gathered), ``grad`` a fresh array: all are updated in place."""
        if self.clip is not None and self.clip > 0:
            np.clip(grad, -self.clip, self.clip, out=grad)
        history += grad * grad
        denominator = history + self.eps
        np.sqrt(denominator, out=denominator)
        grad /= denominator
        if self.wd[group]:
            grad += self.wd[group] * weight
        weight -= self.lr[group] * grad
        return weight, history

    def update(self, params: FMParams, grads: Gradients, records: int) -> None:
        scale = self.rescale if self.rescale is not None else 1.0 / self.batch_size
        w0, self.h0 = self._step("bias", params.w0.astype(np.float64), scale * grads.w0, self.h0)
        params.w0[:] = w0
        cols = grads.columns
        w1, self.h1[cols] = self._step("linear", params.w1[cols, 0],
                                       (scale * grads.w1).astype(np.float32), self.h1[cols])
        params.w1[cols, 0] = w1
        grads.v *= np.float32(scale)
        v, self.hv[cols] = self._step("factors", params.v[cols], grads.v, self.hv[cols])
        params.v[cols] = v
