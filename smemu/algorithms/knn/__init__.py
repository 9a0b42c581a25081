"""SageMaker's built-in k-nearest neighbours ("AWS/KNN").

Training follows the developer guide's "How the k-NN Algorithm Works": one pass over ``train``
keeps a uniform random sample of ``sample_size`` labelled records (:mod:`.sampling`), reduces
their dimension if asked (:mod:`.reduction`), and builds a Faiss index of them (:mod:`.index`).
The optional ``test`` channel is then scored mini-batch by mini-batch (accuracy for a classifier,
mean squared error for a regressor). The model (:mod:`.model`) is the serialised index, the
sample's labels and the reduction, in one NDArray dict.
"""

from __future__ import annotations

import time
from typing import Mapping

import numpy as np

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.knn import index as faiss_index
from smemu.algorithms.knn.inference import KNNModel, model_arrays
from smemu.algorithms.knn.reduction import new_reduction
from smemu.algorithms.knn.sampling import Reservoir
from smemu.algorithms.knn.schema import nlists
from smemu.algorithms.reporting import Reporter, Throughput

#: the hyperparameters that shape the model; its random seed is derived from them alone
_MODEL_KEYS = ("feature_dim", "k", "predictor_type", "sample_size", "dimension_reduction_type",
               "dimension_reduction_target", "index_type", "index_metric",
               "faiss_index_ivf_nlists", "faiss_index_pq_m", "mini_batch_size")

#: the test score each predictor type logs
TEST_METRIC = {"classifier": "accuracy", "regressor": "mse"}


class KNN(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        started = time.time()
        seed = config.seed(_MODEL_KEYS)
        rng = np.random.default_rng(seed)
        sample = self._sample(channels["train"], config, rng, reporter)

        t0 = time.time()
        dim, target = config["feature_dim"], config["dimension_reduction_target"]
        reduced = target if config["dimension_reduction_type"] else dim
        pq_m = None
        if config["index_type"] == "faiss.IVFPQ":
            pq_m = (int(config["faiss_index_pq_m"]) if config["faiss_index_pq_m"]
                    else faiss_index.default_pq_m(reduced))
            width = faiss_index.padded_width(reduced, config["index_type"], pq_m)
            if width != reduced and config["dimension_reduction_type"] and width < dim:
                # as the developer guide says: with dimension reduction the target is raised
                reporter.info("faiss_index_pq_m=%d does not divide dimension_reduction_target=%d: "
                              "reducing to %d dimensions instead", pq_m, target, width)
                target = reduced = width
        reduction = new_reduction(config["dimension_reduction_type"], dim, target, rng)
        X = sample.features if reduction is None else reduction.apply(sample.features)
        width = faiss_index.padded_width(X.shape[1], config["index_type"], pq_m)
        if width != X.shape[1]:
            reporter.info("faiss_index_pq_m=%d does not divide the dimension %d: padding the "
                          "vectors with zeros to %d", pq_m, X.shape[1], width)
        index = faiss_index.build(
            faiss_index.prepare(X, config["index_metric"], width), config["index_type"],
            config["index_metric"], nlists(config), pq_m, seed % (2 ** 31))
        reporter.info("built a %s index (metric %s) of %d records of dimension %d",
                      config["index_type"], config["index_metric"], index.ntotal, width)
        arrays = model_arrays(index, sample.labels, reduction, config, width)
        reporter.metrics({"index.build.time": 1000 * (time.time() - t0)}, start=t0)

        if "test" in channels:
            self._score(channels["test"], KNNModel.from_arrays(arrays), config, reporter)
        else:
            reporter.info("Test data is not provided.")
        reporter.metrics({"totaltime": 1000 * (time.time() - started)}, start=started)
        return ModelArtifact(arrays=arrays, layout="ndarray")

    def _sample(self, train: DataChannel, config: Config, rng, reporter) -> Reservoir:
        checks = self.input_checks(config)
        reservoir = Reservoir(config["sample_size"], rng)
        throughput = Throughput()
        t0 = time.time()
        for batch in checked_batches(train, config["mini_batch_size"], checks):
            reservoir.add(batch.features, batch.labels)
            throughput.add(batch.features.shape[0])
        checks.end(train.name, throughput.records)
        if throughput.records < config["sample_size"]:
            reporter.warning("sample_size (%d) is more than the %d records of channel 'train': "
                             "the index holds all of them", config["sample_size"],
                             throughput.records)
        reporter.info("processed a total of %d examples; sampled %d", throughput.records,
                      len(reservoir.labels))
        reporter.progress(1.0)
        reporter.metrics({"Total Records Seen": throughput.records,
                          "Total Batches Seen": throughput.batches,
                          "Number of Records Since Last Reset": throughput.records,
                          "Number of Batches Since Last Reset": throughput.batches},
                         start=t0, epoch=0, Meta="training_data_iter")
        reporter.throughput(throughput.per_second)
        return reservoir

    def _score(self, channel: DataChannel, model: "KNNModel", config: Config,
               reporter: Reporter) -> float:
        """One ``#test_score`` line per mini-batch, as the real one logs them, then the whole
        channel's score as a ``#quality_metric`` line (what ``test:accuracy``/``test:mse`` read)."""
        metric = TEST_METRIC[config["predictor_type"]]
        checks = self.input_checks(config)
        total, records = 0.0, 0
        for batch in checked_batches(channel, config["mini_batch_size"], checks):
            truth = np.asarray(batch.labels, dtype=np.float64).reshape(
                batch.features.shape[0], -1)[:, 0]
            predicted = model.predict(batch.features)["predicted_label"].astype(np.float64)
            per_record = (predicted == truth) if metric == "accuracy" else (predicted - truth) ** 2
            reporter.score(channel.name, metric, float(per_record.mean()))
            total += float(per_record.sum())
            records += len(truth)
        checks.end(channel.name, records)
        value = total / records
        reporter.quality(channel.name, metric, value,
                         kind="score" if metric == "accuracy" else "loss")
        return value


__all__ = ["KNN"]
