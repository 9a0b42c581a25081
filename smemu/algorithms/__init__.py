"""SageMaker's built-in algorithms, as smemu implements them.

An algorithm takes channels of array batches and gives arrays back; it never touches files.
``get_algorithm(name)`` resolves a short name (the real image's ECR repository name).
"""

from __future__ import annotations

import importlib

from smemu.algorithms.errors import CustomerError, DataError, HyperparameterError

# short name (= ECR repository of the real image) -> "module:class"; imported on first use
_REGISTRY = {
    "kmeans": "smemu.algorithms.kmeans:KMeans",
    "linear-learner": "smemu.algorithms.linear_learner:LinearLearner",
}


def algorithm_names() -> list[str]:
    return sorted(_REGISTRY)


def get_algorithm(name: str):
    """An instance of the algorithm called ``name``; a ``CustomerError`` lists the known ones."""
    target = _REGISTRY.get(name)
    if target is None:
        raise CustomerError(
            f"smemu does not emulate an algorithm called {name!r}. "
            f"It emulates: {', '.join(algorithm_names())}.")
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)()


__all__ = ["CustomerError", "DataError", "HyperparameterError", "algorithm_names", "get_algorithm"]
