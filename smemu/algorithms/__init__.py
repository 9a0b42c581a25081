"""SageMaker's built-in algorithms, as smemu implements them.

An algorithm takes channels of array batches and gives arrays back; it never touches files. Each
is one folder declaring itself in ``descriptor.py`` (:mod:`smemu.algorithms.descriptor`);
:mod:`smemu.algorithms.registry` finds them. ``get_algorithm(name)`` gives a trainer,
``get_descriptor(name)`` the declaration alone (without importing training code).
"""

from __future__ import annotations

from smemu.algorithms.errors import CustomerError, DataError, HyperparameterError
from smemu.algorithms.registry import (
    algorithm_names, descriptors, get_algorithm, get_descriptor, serving_algorithms)

__all__ = ["CustomerError", "DataError", "HyperparameterError", "algorithm_names", "descriptors",
           "get_algorithm", "get_descriptor", "serving_algorithms"]
