"""SageMaker's built-in Random Cut Forest: unsupervised anomaly scores.

One pass over ``train`` fills a reservoir sample per tree (:mod:`.reservoir`); the trees are cut
on those samples (:mod:`.forest`); records are scored by their expected collusive displacement
averaged over the trees (:mod:`.scoring`). A labelled ``test`` channel is scored at the end: a
record is called an anomaly when its score is more than three standard deviations above the mean
score of a sample of the train records (the rule the AWS RCF documentation and example notebook
suggest), and accuracy / precision, recall and F1 of those calls are printed per ``eval_metrics``.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import scipy.sparse as sp

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.randomcutforest.checks import test_labels
from smemu.algorithms.randomcutforest.forest import build_forest
from smemu.algorithms.randomcutforest.reservoir import Reservoirs
from smemu.algorithms.randomcutforest.scoring import codisp_scores
from smemu.algorithms.reporting import Reporter, Throughput

#: train records kept (one more reservoir) to set the anomaly threshold for the test channel
CALIBRATION_RECORDS = 1000


def dense(features) -> np.ndarray:
    return np.asarray(features.toarray() if sp.issparse(features) else features, dtype=np.float32)


def binary_scores(calls: np.ndarray, labels: np.ndarray, eval_metrics) -> list[tuple[str, float]]:
    truth = labels == 1
    tp = int((calls & truth).sum())
    precision = tp / int(calls.sum()) if calls.any() else 0.0
    recall = tp / int(truth.sum()) if truth.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out = []
    if "accuracy" in eval_metrics:
        out.append(("accuracy", float((calls == truth).mean())))
    if "precision_recall_fscore" in eval_metrics:
        out += [("precision", precision), ("recall", recall), ("f1", f1)]
    return out


class RandomCutForest(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        checks = self.input_checks(config)
        rng = np.random.default_rng(0)
        dim = config["feature_dim"]
        reservoirs = Reservoirs(config["num_trees"], config["num_samples_per_tree"], dim, rng)
        calibration = Reservoirs(1, CALIBRATION_RECORDS, dim, rng)
        speed = Throughput()
        for batch in checked_batches(channels["train"], config["mini_batch_size"], checks):
            X = dense(batch.features)
            reservoirs.add(X)
            calibration.add(X)
            speed.add(X.shape[0])
        checks.end("train", reservoirs.seen)
        reporter.info("Sampled %d of %d train records for each of %d trees",
                      min(reservoirs.seen, reservoirs.size), reservoirs.seen, reservoirs.trees)
        forest = build_forest(reservoirs.samples(), rng)
        reporter.progress(1.0)
        reporter.throughput(speed.per_second)
        reporter.metrics({"Total Records Seen": reservoirs.seen,
                          "Total Batches Seen": speed.batches}, epoch=0)
        if "test" in channels:
            reference = codisp_scores(forest, calibration.samples()[0])
            threshold = float(reference.mean() + 3.0 * reference.std())
            scores, labels = [], []
            for batch in checked_batches(channels["test"], config["mini_batch_size"], checks):
                scores.append(codisp_scores(forest, dense(batch.features)))
                labels.append(test_labels(batch, "test"))
            checks.end("test", sum(len(s) for s in scores))
            reporter.info("Test records are called anomalies above score %s (3 standard "
                          "deviations above the mean score of %d train records)",
                          repr(threshold), reference.size)
            calls = np.concatenate(scores) > threshold
            for name, value in binary_scores(calls, np.concatenate(labels),
                                             config["eval_metrics"]):
                reporter.score("test", name, value)
                reporter.quality("test", name, value, kind="score")
        return ModelArtifact(arrays=forest.arrays(), layout="ndarray")


__all__ = ["RandomCutForest"]
