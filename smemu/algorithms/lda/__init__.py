"""SageMaker's built-in LDA ("AWS/LDA"): spectral Latent Dirichlet Allocation.

One pass over the ``train`` channel accumulates the word co-occurrence moments
(:mod:`.moments`); whitening, the tensor power method and un-whitening turn them into topics
(:mod:`.decomposition`); the optional ``test`` channel is scored by its per-word log-likelihood
(``test:pwll``) with each document's mixture inferred from the topics (:mod:`.mixture`). The model
is ``model_algo-1``, an NDArray list ``[alpha (num_topics,), beta (num_topics, feature_dim)]``.
"""

from __future__ import annotations

import time
from typing import Mapping

import numpy as np

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.data import as_float
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.lda.decomposition import power_method, unwhiten, whitening
from smemu.algorithms.lda.mixture import floored, log_likelihood, mixtures
from smemu.algorithms.lda.moments import Moments, sketch_basis
from smemu.algorithms.reporting import Reporter, Throughput
from smemu.algorithms.seeding import hyperparameter_seed
from smemu.algorithms.topic_models.word_counts import empty_channel

_MODEL_KEYS = ("num_topics", "feature_dim", "alpha0", "max_restarts", "max_iterations", "tol")


class LDA(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        started = time.time()
        k, vocabulary = config["num_topics"], config["feature_dim"]
        alpha0 = config["alpha0"]
        rng = np.random.default_rng(hyperparameter_seed(config, _MODEL_KEYS))
        checks = self.input_checks(config)

        moments = Moments(sketch_basis(vocabulary, k, rng))
        throughput = Throughput()
        records = 0
        for batch in checked_batches(channels["train"], config["mini_batch_size"], checks):
            counts = as_float(batch.features, np.float64)
            moments.add(counts)
            records += counts.shape[0]
            throughput.add(counts.shape[0])
        checks.end("train", records)
        reporter.info("processed a total of %d examples", records)
        reporter.progress(1.0)
        reporter.throughput(throughput.per_second)
        if moments.skipped:
            reporter.warning("%d of %d documents have fewer than 3 words and were not used",
                             moments.skipped, records)
        if moments.documents == 0:
            raise empty_channel("train") if records == 0 else _too_short(records)

        t0 = time.time()
        m2_omega, m2_projected, m3_projected = moments.finish(alpha0)
        b = whitening(m2_projected, k)
        tensor = np.einsum("abc,ai,bj,ck->ijk", m3_projected, b, b, b)
        lambdas, vectors = power_method(tensor, config["max_restarts"], config["max_iterations"],
                                        config["tol"], rng)
        topics = unwhiten(m2_omega, b, lambdas, vectors, alpha0)
        reporter.info("Recovered %d topics; estimated alpha = %s", k,
                      np.array2string(topics.alpha, precision=4))
        reporter.metrics({"decomposition.time": 1000 * (time.time() - t0),
                          "documents": moments.documents})

        alpha = topics.alpha.astype(np.float32)
        beta = floored(topics.beta).astype(np.float32)
        if "test" in channels:
            self._score(channels["test"], alpha, beta, config, reporter)
        else:
            reporter.info("Test data is not provided.")
        reporter.metrics({"totaltime": 1000 * (time.time() - started)}, start=started)
        return ModelArtifact(arrays=[alpha, beta], layout="ndarray")

    def _score(self, channel: DataChannel, alpha, beta, config: Config, reporter: Reporter):
        """Per-word log-likelihood of the test documents, each under the mixture inferred for
        it from the topics."""
        checks = self.input_checks(config)
        total = words = 0.0
        records = 0
        alpha64, beta64 = alpha.astype(np.float64), beta.astype(np.float64)
        for batch in checked_batches(channel, config["mini_batch_size"], checks):
            counts = as_float(batch.features, np.float64)
            ll, n = log_likelihood(counts, mixtures(counts, alpha64, beta64), beta64)
            total += ll
            words += n
            records += counts.shape[0]
        checks.end(channel.name, records)
        pwll = total / words if words else float("nan")
        reporter.score(channel.name, "pwll", pwll)
        reporter.quality(channel.name, "pwll", pwll, kind="score")
        return pwll


def _too_short(records: int) -> DataError:
    return DataError(
        f"None of the {records} documents of channel 'train' has 3 or more words; spectral LDA "
        f"estimates third-order word co-occurrences and needs documents of at least 3 words.")


__all__ = ["LDA"]
