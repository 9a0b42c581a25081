"""SageMaker's built-in PCA ("PCA").

Training reads the ``train`` channel once, in mini-batches, into a streaming summary of the data
(:mod:`.scatter`): the exact scatter matrix in ``regular`` mode, a randomized sketch with
``num_components + extra_components`` columns in ``randomized`` mode. The principal components are
its leading eigenvectors; the singular values (of the centred data matrix, as scikit-learn's
``singular_values_``) are the square roots of its eigenvalues. The model is an NDArray dict
``{'s': (num_components,), 'v': (feature_dim, num_components), 'mean': (1, feature_dim)}`` in
ascending order of ``s`` — the order a real PCA model_algo-1 has, the largest component last.
"""

from __future__ import annotations

import time
from typing import Mapping

import numpy as np

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.data import as_float
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.overlap import Overlapped
from smemu.algorithms.pca.scatter import NystromSketch, ScatterMatrix, sign_convention
from smemu.algorithms.pca.schema import extra_components
from smemu.algorithms.reporting import Reporter, Throughput

#: rows read at once are at least this many bytes of float32 features: the summary is the same
#: whatever the batching, and fewer, larger products are faster
READ_BYTES = 2 << 20

#: the hyperparameters that shape the model; its random seed is derived from them alone
_MODEL_KEYS = ("feature_dim", "num_components", "algorithm_mode", "subtract_mean",
               "extra_components", "mini_batch_size")


def summary_for(config: Config):
    """The streaming summary ``algorithm_mode`` asks for."""
    dim, k = config["feature_dim"], config["num_components"]
    if config["algorithm_mode"] == "randomized":
        columns = min(dim, k + extra_components(config))
        return NystromSketch(dim, columns, config["subtract_mean"],
                             np.random.default_rng(config.seed(_MODEL_KEYS)))
    return ScatterMatrix(dim, config["subtract_mean"])


def model_arrays(singular_values, components, mean, subtract_mean: bool) -> dict:
    """The model_algo-1 dict, ascending in ``s``; ``mean`` is zero when the data are not centred
    (so that serving computes (x - mean)·v either way)."""
    order = np.argsort(singular_values, kind="stable")
    dim = components.shape[0]
    return {
        "s": np.ascontiguousarray(singular_values[order], dtype=np.float32),
        "v": np.ascontiguousarray(components[:, order], dtype=np.float32),
        "mean": (np.asarray(mean, dtype=np.float32) if subtract_mean
                 else np.zeros(dim, np.float32)).reshape(1, dim),
    }


class PCA(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        started = time.time()
        mode, k = config["algorithm_mode"], config["num_components"]
        if mode == "randomized":
            reporter.info("randomized mode: sketching with %d columns (num_components=%d, "
                          "extra_components=%d)", k + extra_components(config), k,
                          extra_components(config))
        summary = summary_for(config)
        checks = self.input_checks(config)
        throughput = Throughput()
        t0 = time.time()
        rows = max(config["mini_batch_size"], READ_BYTES // (4 * config["feature_dim"]))
        with Overlapped() as folding:      # the products on one core, reading on the other
            for batch in checked_batches(channels["train"], rows, checks):
                X = as_float(batch.features)
                folding.submit(summary.add, X)
                throughput.add(X.shape[0])
        checks.end("train", throughput.records)
        reporter.info("processed a total of %d examples", throughput.records)
        reporter.progress(1.0)
        reporter.metrics({
            "Total Records Seen": throughput.records, "Total Batches Seen": throughput.batches,
            "Max Records Seen Between Resets": throughput.records,
            "Max Batches Seen Between Resets": throughput.batches, "Reset Count": 1,
            "Number of Records Since Last Reset": throughput.records,
            "Number of Batches Since Last Reset": throughput.batches},
            start=t0, epoch=0, Meta="training_data_iter")
        reporter.throughput(throughput.per_second)

        t1 = time.time()
        values, vectors = summary.components(k)
        arrays = model_arrays(values, sign_convention(vectors), summary.moments.mean,
                              config["subtract_mean"])
        reporter.metrics({"epochs": 1, "update.time": 1000 * (t1 - t0),
                          "finalize.time": 1000 * (time.time() - t1)}, start=started)
        if "test" in channels:
            self._read_test(channels["test"], config, reporter)
        else:
            reporter.info("Test data is not provided.")
        reporter.metrics({"totaltime": 1000 * (time.time() - started)}, start=started)
        return ModelArtifact(arrays=arrays, layout="ndarray")

    def _read_test(self, channel: DataChannel, config: Config, reporter: Reporter) -> None:
        """The test channel is read and checked like train (so bad test data fail the job as
        they would), its size logged; the real PCA publishes no test metric."""
        checks = self.input_checks(config)
        records = sum(b.features.shape[0]
                      for b in checked_batches(channel, config["mini_batch_size"], checks))
        checks.end(channel.name, records)
        reporter.info("processed a total of %d test examples", records)


__all__ = ["PCA"]
