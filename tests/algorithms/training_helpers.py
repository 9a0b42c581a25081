"""Training any registered algorithm in tests: on in-memory channels, its log lines captured."""

from __future__ import annotations

from channels import channels
from linear_learner_helpers import LogLines
from smemu.algorithms import get_algorithm
from smemu.algorithms.reporting import Reporter


def train_algorithm(name: str, hyperparameters: dict, **data):
    """Train ``name`` on ``data`` (``train=(X, y)``, ``test=...``); returns ``(artifact, log)``."""
    algo = get_algorithm(name)
    config = algo.schema.resolve(hyperparameters)
    with LogLines() as log:
        artifact = algo.train(config, channels(**data), Reporter(algo.metrics_name))
    return artifact, log
