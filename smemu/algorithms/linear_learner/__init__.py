"""SageMaker's built-in Linear Learner: regressor, binary and multiclass classifier.

Many models are trained at once as one weight tensor (:mod:`.model`), each with its own learning
rate and regularisation; the best on the validation channel (or on train) is kept, and a binary
classifier's threshold is calibrated for the selection criterion (:mod:`.selection`).
"""

from __future__ import annotations

from typing import Mapping

from threadpoolctl import threadpool_limits

from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.linear_learner.schema import ignored, resolved
from smemu.algorithms.linear_learner.training import Run
from smemu.algorithms.reporting import Reporter


class LinearLearner(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        # Mini-batch products are small (1000 x feature_dim x models): one BLAS thread runs them
        # several times faster than a pool that spins up for each call.
        for line in ignored(config):
            reporter.info(line)
        with threadpool_limits(limits=1, user_api="blas"):
            return Run(resolved(config), channels, reporter).train()


__all__ = ["LinearLearner"]
