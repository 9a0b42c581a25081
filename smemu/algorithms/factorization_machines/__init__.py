"""SageMaker's built-in Factorization Machines: binary classifier or regressor on (sparse)
RecordIO-protobuf Float32 records.

Training is mini-batch stochastic gradient descent (MXNet's AdaGrad step, :mod:`.optimizer`)
over the CSR batches as they stream in (:mod:`.model`: O(nnz · num_factors) per batch); the
``test`` channel, if given, is scored at the end. The model is written as the real one is: a zip
of an MXNet module checkpoint (``symbol.json``, ``params`` with ``arg:w0_weight``,
``arg:w1_weight``, ``arg:v``; ``meta.json``).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.factorization_machines.metrics import Scores, loss_gradient
from smemu.algorithms.factorization_machines.model import as_csr, forward, gradients
from smemu.algorithms.factorization_machines.optimizer import AdaGrad, initial_params
from smemu.algorithms.factorization_machines.symbol import fm_symbol
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.reporting import Reporter, Throughput

#: a per-batch ``#quality_metric`` line every this many batches
BATCH_LOG_INTERVAL = 100


def _labels(batch) -> np.ndarray:
    return np.asarray(batch.labels, dtype=np.float64).ravel()


class FactorizationMachines(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        kind = config["predictor_type"]
        checks = self.input_checks(config)
        params = initial_params(config, np.random.default_rng(0))
        optimizer = AdaGrad(config, params)
        epochs, batch_size = config["epochs"], config["mini_batch_size"]
        for epoch in range(epochs):
            scores, speed = Scores(kind), Throughput()
            for i, batch in enumerate(checked_batches(channels["train"], batch_size, checks)):
                X, y = as_csr(batch.features), _labels(batch)
                raw, xv = forward(params, X)
                optimizer.update(params, gradients(params, X, xv, loss_gradient(kind, raw, y)),
                                 X.shape[0])
                scores.add(raw, y)
                speed.add(X.shape[0])
                if i % BATCH_LOG_INTERVAL == 0:
                    one = Scores(kind)
                    one.add(raw, y)
                    for name, value, k in one.values():
                        reporter.quality("train", name, value, kind=k, epoch=epoch, batch=i)
            checks.end("train", scores.count)
            for name, value, k in scores.values():
                reporter.quality("train", name, value, kind=k, epoch=epoch)
            reporter.progress((epoch + 1) / epochs)
            reporter.throughput(speed.per_second)
            reporter.metrics({"Total Records Seen": scores.count, "Total Batches Seen": speed.batches,
                              "Number of Records Since Last Reset": scores.count},
                             epoch=epoch)
        if "test" in channels:
            scores = Scores(kind)
            for batch in checked_batches(channels["test"], batch_size, checks):
                scores.add(forward(params, as_csr(batch.features))[0], _labels(batch))
            checks.end("test", scores.count)
            for name, value, k in scores.values():
                reporter.score("test", name, value)
                reporter.quality("test", name, value, kind=k)
        return ModelArtifact(
            arrays={"arg:w0_weight": params.w0, "arg:w1_weight": params.w1, "arg:v": params.v},
            layout="mxnet-module", checkpoint_style="plain",
            symbol=fm_symbol(kind, config["feature_dim"], config["num_factors"]),
            manifest={"training_parameters": dict(config.raw)})


__all__ = ["FactorizationMachines"]
