"""SageMaker's built-in Neural Topic Model ("AWS/NTM").

Epochs of mini-batch training of :class:`~.network.NTMNetwork` on the ``train`` channel (a
``sub_sample`` share of it per epoch) with the chosen MXNet optimizer, early stopping on the
``validation`` loss (the training loss without one), the best epoch's weights kept, the final
topics' top words logged (named from the ``auxiliary`` channel's ``vocab.txt`` when given), and
the ``test`` channel scored. The model is ``model_algo-1``, an NDArray dict of the weights.
"""

from __future__ import annotations

import time
from typing import Mapping

import numpy as np

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.blas import with_single_blas_thread
from smemu.algorithms.data import as_float
from smemu.algorithms.gradient_updates import Updater
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.ntm.network import (
    ACTIVATION_CODES, NTMNetwork, init_params, no_decay, running_stats)
from smemu.algorithms.ntm.schema import encoder_sizes
from smemu.algorithms.reporting import Reporter, Throughput
from smemu.algorithms.seeding import hyperparameter_seed
from smemu.algorithms.topic_models.vocabulary import read_vocabulary, top_words

TOP_WORDS = 10


class EarlyStopping:
    """Stops when the loss has improved by less than ``tolerance`` (relative) over the last
    ``patience`` epochs, as the guide describes ``num_patience_epochs`` and ``tolerance``."""

    def __init__(self, patience: int, tolerance: float):
        self.patience, self.tolerance = patience, tolerance
        self.history: list[float] = []

    def add(self, loss: float) -> bool:
        """Record an epoch's loss; True when training should stop."""
        self.history.append(loss)
        if len(self.history) <= self.patience:
            return False
        before = min(self.history[:-self.patience])
        recent = min(self.history[-self.patience:])
        return (before - recent) / max(abs(before), 1e-12) < self.tolerance


class NTM(Algorithm):
    @with_single_blas_thread
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        started = time.time()
        rng = np.random.default_rng(hyperparameter_seed(config))
        layers = encoder_sizes(config)
        k, vocabulary = config["num_topics"], config["feature_dim"]
        net = NTMNetwork(len(layers), config["encoder_layers_activation"], config["batch_norm"])
        # float32 throughout, as MXNet trains
        params = init_params(vocabulary, layers, k, config["batch_norm"], rng, dtype=np.float32)
        stats = running_stats(layers, dtype=np.float32) if config["batch_norm"] else {}
        clip = config["clip_gradient"]
        updater = Updater(config["optimizer"], params, learning_rate=config["learning_rate"],
                          wd=config["weight_decay"], rescale_grad=config["rescale_gradient"],
                          clip_gradient=None if not np.isfinite(clip) else clip)
        words = None
        if "auxiliary" in channels:
            words = read_vocabulary(channels["auxiliary"], vocabulary, reporter)
        stopper = EarlyStopping(config["num_patience_epochs"], config["tolerance"])
        watched = "validation" if "validation" in channels else "train"
        best = (np.inf, None, None, 0)
        epochs = config["epochs"]
        throughput = Throughput()
        for epoch in range(1, epochs + 1):
            t0 = time.time()
            train = self._epoch(net, params, stats, updater, channels["train"], config, rng,
                                throughput)
            reporter.info("# Finished training epoch %d on %d examples from %d batches, each of "
                          "size %d.", epoch, train["records"], train["batches"],
                          config["mini_batch_size"])
            for name in ("total_loss", "recons_loss", "kld"):
                reporter.quality("train", name, train[name], epoch=epoch)
            watched_loss = train["total_loss"]
            t_train = time.time() - t0
            if "validation" in channels:
                val = self._evaluate(net, params, stats, channels["validation"], config)
                reporter.score("validation", "total_loss", val["total_loss"])
                for name in ("total_loss", "recons_loss", "kld"):
                    reporter.quality("validation", name, val[name], epoch=epoch)
                watched_loss = val["total_loss"]
            reporter.info("Timing: train: %.2fs, val: %.2fs, epoch: %.2fs", t_train,
                          time.time() - t0 - t_train, time.time() - t0)
            reporter.progress(epoch / epochs)
            if watched_loss < best[0]:
                best = (watched_loss, {n: p.copy() for n, p in params.items()},
                        {n: s.copy() for n, s in stats.items()}, epoch)
            if stopper.add(watched_loss) and epoch < epochs:
                reporter.info("Early stopping: the %s total_loss improved by less than "
                              "tolerance=%s over the last %d epochs.", watched,
                              config["tolerance"], config["num_patience_epochs"])
                reporter.early_stopping(epoch, f"{watched}:total_loss", watched_loss)
                break
        reporter.throughput(throughput.per_second)
        _, params, stats, best_epoch = best
        reporter.info("Keeping the model of epoch %d (best %s total_loss %s).", best_epoch,
                      watched, repr(best[0]))
        reporter.info("Topics from epoch:final (num_topics:%d):", k)
        for topic, names in enumerate(top_words(params["dec_weight"], words, TOP_WORDS)):
            reporter.info("[topic %d] %s", topic, " ".join(names))
        if "test" in channels:
            test = self._evaluate(net, params, stats, channels["test"], config)
            reporter.score("test", "total_loss", test["total_loss"])
            for name in ("total_loss", "recons_loss", "kld"):
                reporter.quality("test", name, test[name])
        else:
            reporter.info("Test data is not provided.")
        reporter.metrics({"totaltime": 1000 * (time.time() - started)}, start=started)
        arrays = {n: np.asarray(p, dtype=np.float32) for n, p in {**params, **stats}.items()}
        arrays["encoder_activation"] = np.array(
            [ACTIVATION_CODES[config["encoder_layers_activation"]]], dtype=np.float32)
        return ModelArtifact(arrays=arrays, layout="ndarray")

    def _epoch(self, net, params, stats, updater, channel, config, rng, throughput) -> dict:
        sums = {"total_loss": 0.0, "recons_loss": 0.0, "kld": 0.0}
        records = batches = 0
        decay = no_decay(params)
        checks = self.input_checks(config)
        seen = 0
        for batch in checked_batches(channel, config["mini_batch_size"], checks):
            x = as_float(batch.features, np.float32)
            seen += x.shape[0]
            if config["sub_sample"] < 1.0:
                keep = np.flatnonzero(rng.random(x.shape[0]) < config["sub_sample"])
                if len(keep) == 0:
                    continue
                x = x[keep]
            eps = rng.standard_normal((x.shape[0], config["num_topics"]), dtype=np.float32)
            grads, recons, kld = net.gradients(params, stats, x, eps)
            updater.step(params, grads, no_decay=decay)
            sums["recons_loss"] += float(recons.sum())
            sums["kld"] += float(kld.sum())
            records += x.shape[0]
            batches += 1
            throughput.add(x.shape[0])
        checks.end(channel.name, seen)
        out = {name: value / max(records, 1) for name, value in sums.items()}
        out["total_loss"] = out["recons_loss"] + out["kld"]
        out.update(records=records, batches=batches)
        return out

    def _evaluate(self, net, params, stats, channel, config) -> dict:
        """Mean per-document losses of ``channel`` with each document's latent at its mean."""
        checks = self.input_checks(config)
        recons_sum = kld_sum = 0.0
        records = 0
        for batch in checked_batches(channel, config["mini_batch_size"], checks):
            x = as_float(batch.features, np.float32)
            recons, kld = net.losses(params, stats, x)
            recons_sum += float(recons.sum())
            kld_sum += float(kld.sum())
            records += x.shape[0]
        checks.end(channel.name, records)
        recons, kld = recons_sum / records, kld_sum / records
        return {"total_loss": recons + kld, "recons_loss": recons, "kld": kld}


__all__ = ["NTM"]
