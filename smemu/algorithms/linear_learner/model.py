"""Many linear models as one weight tensor, and the per-model settings they are trained with.

``W`` is (feature_dim, models * outputs): column ``m * outputs + k`` is output ``k`` of model
``m``. Scores for a batch are one matrix product ``X @ W`` whether ``X`` is dense or CSR, and the
gradient is one ``X.T @ G``. Normalisation is folded in rather than applied to the data:
with x' = (x - mean) / stdev, ``x' @ W = x @ (W / stdev) - (mean / stdev) @ W``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smemu.algorithms.linear_learner.scaling import Scaler

SEED = 0  # runs are deterministic: same data and settings, same model


@dataclass
class ModelSettings:
    """Per-model hyperparameters (arrays of length num_models)."""

    learning_rate: np.ndarray
    wd: np.ndarray
    l1: np.ndarray
    positive_weight: np.ndarray  # binary: weight of label-1 records per model (1.0 otherwise)

    def describe(self, m: int, cfg: dict) -> dict:
        """What ``Best model found for hyperparameters`` prints for model ``m``."""
        return {"lr_scheduler_step": int(cfg["lr_scheduler_step"]),
                "wd": float(self.wd[m]), "optimizer": cfg["optimizer"],
                "lr_scheduler_factor": float(cfg["lr_scheduler_factor"]),
                "l1": float(self.l1[m]), "learning_rate": float(self.learning_rate[m]),
                "lr_scheduler_minimum_lr": float(cfg["lr_scheduler_minimum_lr"])}


def _log_uniform(rng, low, high, n):
    return np.exp(rng.uniform(np.log(low), np.log(high), n))


def search_settings(cfg: dict, balanced_weight: float) -> ModelSettings:
    """Model 0 gets the configuration as given; the others nearby values (for settings the user
    fixed) or values spread over a wide range (for settings left ``auto``)."""
    m = cfg["num_models"]
    rng = np.random.default_rng(SEED)

    def spread(name, auto_low, auto_high, zero_share=0.0):
        base = float(cfg[name])
        values = np.full(m, base)
        if m == 1:
            return values
        if name in cfg["user_set"]:
            if base > 0:
                values[1:] = base * _log_uniform(rng, 0.5, 2.0, m - 1)
        else:
            values[1:] = _log_uniform(rng, auto_low, auto_high, m - 1)
            if zero_share:
                values[1:][rng.uniform(size=m - 1) < zero_share] = 0.0
        return values

    lr = float(cfg["learning_rate"])
    settings = ModelSettings(
        learning_rate=spread("learning_rate", lr / 30.0, lr * 3.0),
        wd=spread("wd", 1e-7, 1e-1, zero_share=0.25),
        l1=spread("l1", 1e-7, 1e-2, zero_share=0.5),
        positive_weight=np.ones(m))
    weight = cfg["positive_example_weight_mult"]
    if cfg["predictor_type"] == "binary_classifier":
        if weight == "balanced":
            settings.positive_weight[:] = balanced_weight
        elif weight == "auto":  # let selection choose: half the models balance the classes
            settings.positive_weight[1::2] = balanced_weight
        else:
            settings.positive_weight[:] = float(weight)
    return settings


class LinearModels:
    """``models`` linear models with ``outputs`` outputs each, over ``dim`` features."""

    def __init__(self, dim: int, models: int, outputs: int, scaler: Scaler, cfg: dict):
        self.dim, self.models, self.outputs = dim, models, outputs
        self.scaler = scaler
        self.use_bias = bool(cfg["use_bias"])
        rng = np.random.default_rng(SEED)
        cols = models * outputs
        if cfg["init_method"] == "uniform":
            w = rng.uniform(-cfg["init_scale"], cfg["init_scale"], (dim, cols))
        else:
            w = rng.normal(0.0, cfg["init_sigma"], (dim, cols))
        self.W = w.astype(np.float32)
        self.b = np.full(cols, cfg["init_bias"] if self.use_bias else 0.0, dtype=np.float32)
        self.inv_std = (1.0 / scaler.stdev_weight).astype(np.float32)
        self.shift = (scaler.mean_weight * self.inv_std).astype(np.float32)
        self.has_shift = bool(np.any(self.shift))

    # forward and backward -------------------------------------------------------------------
    def effective(self, W=None, b=None):
        """Weights and bias acting on raw features (normalised label space)."""
        W = self.W if W is None else W
        b = self.b if b is None else b
        eff_w = W * self.inv_std[:, None]
        eff_b = b - self.shift @ W if self.has_shift else b
        return eff_w, eff_b

    def scores(self, X, W=None, b=None) -> np.ndarray:
        """(records, models, outputs) scores in normalised label units."""
        eff_w, eff_b = self.effective(W, b)
        out = np.asarray(X @ eff_w)
        out += eff_b
        return out.reshape(X.shape[0], -1, self.outputs)

    def gradients(self, X, G: np.ndarray):
        """Mean gradients of W and b for per-record score gradients G (records, columns)."""
        n = X.shape[0]
        col_sum = G.sum(axis=0)
        gW = np.asarray(X.T @ G)
        if self.has_shift:
            gW -= np.outer(self.scaler.mean_weight, col_sum)
        gW *= self.inv_std[:, None] / n
        gb = col_sum / n if self.use_bias else None
        return gW.astype(np.float32, copy=False), gb

    # snapshots and export ----------------------------------------------------------------------
    def columns(self, m: int) -> slice:
        return slice(m * self.outputs, (m + 1) * self.outputs)

    def folded(self, m: int, W=None, b=None):
        """Model ``m`` as ``(weight (dim, outputs), bias (outputs,))`` acting on raw features and
        giving scores in label units (the label normalisation undone)."""
        eff_w, eff_b = self.effective(W, b)
        w = eff_w[:, self.columns(m)].astype(np.float64)
        bias = eff_b[self.columns(m)].astype(np.float64)
        scale, shift = self.scaler.label_scale, self.scaler.label_shift
        return (w * scale).astype(np.float32), (bias * scale + shift).astype(np.float32)
