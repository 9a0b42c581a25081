"""The neural variational topic model and its hand-written gradients.

Encoder: ``h = act(BN(x W_l + b_l))`` per encoder layer (BN only with ``batch_norm``), then
``mu = h W_mu + b_mu`` and ``log sigma^2 = h W_lv + b_lv`` (num_topics each). A document's latent
``z = mu + sigma * eps`` (the reparameterisation trick, ``eps ~ N(0, I)``), its topic weights
``theta = softmax(z)``, and the decoder's word distribution ``softmax(theta W_dec + b_dec)``.
The loss of a document is its negative ELBO: the reconstruction loss ``-sum_w x_w log p_w``
plus ``KL(N(mu, sigma^2) || N(0, I))`` (Miao, Yu and Blunsom, "Neural Variational Inference for
Text Processing", 2016, which the NTM guide cites; a softmax of the Gaussian as in their GSM).
At inference the topic weights are ``softmax(mu)``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

BN_EPS = 1e-5
BN_MOMENTUM = 0.9
ACTIVATION_CODES = {"sigmoid": 0, "tanh": 1, "relu": 2}


def _act(name, a):
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-a))
    if name == "tanh":
        return np.tanh(a)
    return np.maximum(a, 0.0)


def _act_grad(name, out):
    """The activation's derivative, from its output."""
    if name == "sigmoid":
        return out * (1.0 - out)
    if name == "tanh":
        return 1.0 - out * out
    return (out > 0).astype(out.dtype)


def _softmax(a):
    a = a - a.max(axis=1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=1, keepdims=True)


def _log_softmax(a):
    a = a - a.max(axis=1, keepdims=True)
    return a - np.log(np.exp(a).sum(axis=1, keepdims=True))


def init_params(vocabulary: int, layers: list[int], topics: int, batch_norm: bool,
                rng: np.random.Generator, dtype=np.float64) -> dict[str, np.ndarray]:
    """Xavier-uniform weights, zero biases; batch-norm scale 1, shift 0, running stats 0 / 1."""
    params = {}
    sizes = [vocabulary] + layers
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        params[f"enc{i}_weight"] = rng.uniform(-bound, bound, (fan_in, fan_out))
        params[f"enc{i}_bias"] = np.zeros(fan_out)
        if batch_norm:
            params[f"enc{i}_gamma"] = np.ones(fan_out)
            params[f"enc{i}_beta"] = np.zeros(fan_out)
    for head in ("mu", "logvar"):
        bound = np.sqrt(6.0 / (layers[-1] + topics))
        params[f"{head}_weight"] = rng.uniform(-bound, bound, (layers[-1], topics))
        params[f"{head}_bias"] = np.zeros(topics)
    bound = np.sqrt(6.0 / (topics + vocabulary))
    params["dec_weight"] = rng.uniform(-bound, bound, (topics, vocabulary))
    params["dec_bias"] = np.zeros(vocabulary)
    return {name: p.astype(dtype) for name, p in params.items()}


def running_stats(layers: list[int], dtype=np.float64) -> dict[str, np.ndarray]:
    out = {}
    for i, size in enumerate(layers):
        out[f"enc{i}_moving_mean"] = np.zeros(size, dtype=dtype)
        out[f"enc{i}_moving_var"] = np.ones(size, dtype=dtype)
    return out


def no_decay(params) -> tuple[str, ...]:
    return tuple(n for n in params if n.endswith(("_bias", "_beta", "_gamma")))


class NTMNetwork:
    """Forward and backward passes for one configuration."""

    def __init__(self, layers: int, activation: str, batch_norm: bool):
        self.layers, self.activation, self.batch_norm = layers, activation, batch_norm

    # encoder ----------------------------------------------------------------------------------
    def encode(self, params, stats, x, training: bool):
        """``(mu, logvar, cache)``; in training, batch statistics (and the running ones updated)."""
        h = x
        cache = []
        for i in range(self.layers):
            a = np.asarray(h @ params[f"enc{i}_weight"]) + params[f"enc{i}_bias"]
            bn = None
            if self.batch_norm:
                if training:
                    mean, var = a.mean(axis=0), a.var(axis=0)
                    stats[f"enc{i}_moving_mean"] *= BN_MOMENTUM
                    stats[f"enc{i}_moving_mean"] += (1 - BN_MOMENTUM) * mean
                    stats[f"enc{i}_moving_var"] *= BN_MOMENTUM
                    stats[f"enc{i}_moving_var"] += (1 - BN_MOMENTUM) * var
                else:
                    mean, var = stats[f"enc{i}_moving_mean"], stats[f"enc{i}_moving_var"]
                inv_std = 1.0 / np.sqrt(var + BN_EPS)
                xhat = (a - mean) * inv_std
                bn = (xhat, inv_std)
                a = params[f"enc{i}_gamma"] * xhat + params[f"enc{i}_beta"]
            out = _act(self.activation, a)
            cache.append((h, out, bn))
            h = out
        mu = h @ params["mu_weight"] + params["mu_bias"]
        logvar = h @ params["logvar_weight"] + params["logvar_bias"]
        return mu, logvar, (cache, h)

    def topic_weights(self, params, stats, x):
        mu, _, _ = self.encode(params, stats, x, training=False)
        return _softmax(mu)

    # the loss ---------------------------------------------------------------------------------
    def losses(self, params, stats, x, eps=None, training=False):
        """Per-document ``(recons, kld)``, with ``z = mu`` when ``eps`` is None."""
        mu, logvar, _ = self.encode(params, stats, x, training)
        z = mu if eps is None else mu + np.exp(0.5 * logvar) * eps
        log_p = _log_softmax(_softmax(z) @ params["dec_weight"] + params["dec_bias"])
        recons = -np.asarray(x.multiply(log_p).sum(axis=1)).ravel() if sp.issparse(x) \
            else -(x * log_p).sum(axis=1)
        kld = -0.5 * (1.0 + logvar - mu * mu - np.exp(logvar)).sum(axis=1)
        return recons, kld

    def gradients(self, params, stats, x, eps):
        """``(grads, recons, kld)`` of the batch-mean negative ELBO, one reparameterised sample
        per document."""
        n = x.shape[0]
        mu, logvar, (cache, h) = self.encode(params, stats, x, training=True)
        sigma = np.exp(0.5 * logvar)
        z = mu + sigma * eps
        theta = _softmax(z)
        log_p = _log_softmax(theta @ params["dec_weight"] + params["dec_bias"])
        xd = x.toarray() if sp.issparse(x) else np.asarray(x)
        recons = -(xd * log_p).sum(axis=1)
        kld = -0.5 * (1.0 + logvar - mu * mu - np.exp(logvar)).sum(axis=1)

        grads = {}
        d_logits = (np.exp(log_p) * xd.sum(axis=1, keepdims=True) - xd) / n
        grads["dec_weight"] = theta.T @ d_logits
        grads["dec_bias"] = d_logits.sum(axis=0)
        d_theta = d_logits @ params["dec_weight"].T
        d_z = theta * (d_theta - (d_theta * theta).sum(axis=1, keepdims=True))
        d_mu = d_z + mu / n
        d_logvar = d_z * eps * 0.5 * sigma + 0.5 * (np.exp(logvar) - 1.0) / n
        grads["mu_weight"] = h.T @ d_mu
        grads["mu_bias"] = d_mu.sum(axis=0)
        grads["logvar_weight"] = h.T @ d_logvar
        grads["logvar_bias"] = d_logvar.sum(axis=0)
        d_h = d_mu @ params["mu_weight"].T + d_logvar @ params["logvar_weight"].T
        for i in reversed(range(self.layers)):
            inp, out, bn = cache[i]
            d_a = d_h * _act_grad(self.activation, out)
            if bn is not None:
                xhat, inv_std = bn
                grads[f"enc{i}_gamma"] = (d_a * xhat).sum(axis=0)
                grads[f"enc{i}_beta"] = d_a.sum(axis=0)
                d_xhat = d_a * params[f"enc{i}_gamma"]
                d_a = inv_std / n * (n * d_xhat - d_xhat.sum(axis=0)
                                     - xhat * (d_xhat * xhat).sum(axis=0))
            grads[f"enc{i}_weight"] = np.asarray(inp.T @ d_a)
            grads[f"enc{i}_bias"] = d_a.sum(axis=0)
            if i:
                d_h = d_a @ params[f"enc{i}_weight"].T
        return grads, recons, kld
