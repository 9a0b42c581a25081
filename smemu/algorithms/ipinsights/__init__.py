"""SageMaker's built-in IP Insights ("AWS/IPInsights").

``epochs`` passes over the ``train`` channel's ``entity,ip`` rows: each mini-batch of observed
pairs gets ``random_negative_sampling_rate`` negatives per pair with a random IP address and
``shuffled_negative_sampling_rate`` with the IP of another pair of the batch; the network
(:mod:`.network`) learns with Adam (lazy, row-wise updates of the embedding tables) to score
observed pairs above negatives. The optional ``validation`` channel gets the same kinds of
negatives (fixed for the whole job) and its ``discriminator_auc`` is logged every epoch.
"""

from __future__ import annotations

import time
from typing import Mapping

import numpy as np
from scipy.stats import rankdata

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.blas import with_single_blas_thread
from smemu.algorithms.gradient_updates import Updater
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.ipinsights.addresses import (
    IP_BUCKETS, Packed, entity_rows, ip_rows, parse_ips)
from smemu.algorithms.ipinsights.network import gradients, init_params, scores
from smemu.algorithms.reporting import Reporter, Throughput
from smemu.algorithms.seeding import hyperparameter_seed


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """ROC AUC of scores of positives against negatives (ties count one half)."""
    ranks = rankdata(np.concatenate([positive, negative]))
    n_p, n_n = len(positive), len(negative)
    return float((ranks[:n_p].sum() - n_p * (n_p + 1) / 2) / (n_p * n_n))


def encode_pairs(features, num_entity_vectors: int):
    """``(entity rows, packed addresses)`` of an ``(n, 2)`` batch of entity, IP strings."""
    return (entity_rows(features[:, 0], num_entity_vectors),
            Packed.of(parse_ips(features[:, 1])))


def with_negatives(entities: np.ndarray, packed: Packed, random_rate: int, shuffled_rate: int,
                   rng: np.random.Generator):
    """``(entity rows, ip table rows, labels)``: the pairs, then for each ``random_rate`` pairs
    with random addresses of the same family and ``shuffled_rate`` with a shuffled address."""
    n = len(entities)
    ents = [entities]
    ips = [ip_rows(packed)]
    for _ in range(random_rate):
        ents.append(entities)
        ips.append(ip_rows(packed.random_like(rng)))
    for _ in range(shuffled_rate):
        ents.append(entities)
        ips.append(ip_rows(packed.take(rng.permutation(n))))
    labels = np.zeros(n * (1 + random_rate + shuffled_rate))
    labels[:n] = 1.0
    return np.concatenate(ents), np.concatenate(ips), labels


class IPInsights(Algorithm):
    @with_single_blas_thread
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        started = time.time()
        rng = np.random.default_rng(hyperparameter_seed(config))
        layers = config["num_ip_encoder_layers"]
        params = init_params(config["num_entity_vectors"], IP_BUCKETS, config["vector_dim"],
                             layers, rng, dtype=np.float32)
        updater = Updater("adam", params, learning_rate=config["learning_rate"],
                          wd=config["weight_decay"])
        validation = None
        if "validation" in channels:
            validation = self._validation_pairs(channels["validation"], config, rng)
        epochs = config["epochs"]
        interval = config["batch_metrics_publish_interval"]
        throughput = Throughput()
        for epoch in range(epochs):
            t0 = time.time()
            records = batches = 0
            loss_sum = 0.0
            checks = self.input_checks(config)
            for batch in checked_batches(channels["train"], config["mini_batch_size"], checks):
                entities, packed = encode_pairs(batch.features, config["num_entity_vectors"])
                e, ip, labels = with_negatives(
                    entities, packed, config["random_negative_sampling_rate"],
                    config["shuffled_negative_sampling_rate"], rng)
                dense, sparse, loss = gradients(params, e, ip, labels, layers)
                updater.step({n: params[n] for n in dense}, dense,
                             no_decay=tuple(n for n in dense if n.endswith("_bias")))
                for name, (rows, grad) in sparse.items():
                    updater.step_rows(name, params[name], rows, grad)
                records += len(entities)
                batches += 1
                loss_sum += loss * len(entities)
                throughput.add(len(entities))
                if batches % interval == 0:
                    reporter.info("Epoch[%d] Batch [%d]\tSpeed: %.2f samples/sec\tloss=%f",
                                  epoch, batches, records / max(time.time() - t0, 1e-9), loss)
            checks.end("train", records)
            reporter.info("Epoch[%d] Train-loss=%f", epoch, loss_sum / records)
            reporter.quality("train", "loss", loss_sum / records, epoch=epoch)
            reporter.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - t0)
            if validation is not None:
                value = self._score(params, validation, layers)
                reporter.info("Epoch[%d] Validation-discriminator_auc=%f", epoch, value)
                reporter.quality("validation", "discriminator_auc", value, kind="score",
                                 epoch=epoch)
            reporter.progress((epoch + 1) / epochs)
        reporter.throughput(throughput.per_second)
        if validation is not None:
            value = self._score(params, validation, layers)
            reporter.score("validation", "discriminator_auc", value)
            reporter.quality("validation", "discriminator_auc", value, kind="score")
        reporter.metrics({"totaltime": 1000 * (time.time() - started)}, start=started)
        return ModelArtifact(arrays={n: p.astype(np.float32) for n, p in params.items()},
                             layout="ndarray")

    def _validation_pairs(self, channel, config, rng):
        checks = self.input_checks(config)
        parts = []
        records = 0
        for batch in checked_batches(channel, config["mini_batch_size"], checks):
            entities, packed = encode_pairs(batch.features, config["num_entity_vectors"])
            parts.append(with_negatives(
                entities, packed, config["random_negative_sampling_rate"],
                config["shuffled_negative_sampling_rate"], rng))
            records += len(entities)
        checks.end(channel.name, records)
        return tuple(np.concatenate(column) for column in zip(*parts))

    @staticmethod
    def _score(params, validation, layers) -> float:
        e, ip, labels = validation
        s, _, _ = scores(params, e, ip, layers)
        return auc(s[labels > 0], s[labels == 0])


__all__ = ["IPInsights", "auc"]
