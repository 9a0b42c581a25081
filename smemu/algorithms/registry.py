"""Which built-in algorithms smemu has: every package below ``smemu.algorithms`` whose
``descriptor`` module defines ``DESCRIPTOR`` (see :mod:`smemu.algorithms.descriptor`).

Nothing else lists algorithms: a new built-in is a new folder.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from smemu.algorithms.descriptor import AlgorithmDescriptor
from smemu.algorithms.errors import CustomerError


@functools.lru_cache(maxsize=None)
def descriptors() -> dict[str, AlgorithmDescriptor]:
    """Every algorithm's descriptor, by short name."""
    import smemu.algorithms as package

    found: dict[str, AlgorithmDescriptor] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"{package.__name__}.{info.name}.descriptor")
        except ModuleNotFoundError as exc:
            if exc.name == f"{package.__name__}.{info.name}.descriptor":
                continue   # a shared helper package, not an algorithm
            raise
        descriptor = module.DESCRIPTOR
        if descriptor.name in found:
            raise RuntimeError(f"two algorithm folders declare the name {descriptor.name!r}")
        found[descriptor.name] = descriptor
    return dict(sorted(found.items()))


def algorithm_names() -> list[str]:
    return list(descriptors())


def get_descriptor(name: str) -> AlgorithmDescriptor:
    """The descriptor of ``name``; a ``CustomerError`` lists the known ones."""
    descriptor = descriptors().get(name)
    if descriptor is None:
        raise CustomerError(
            f"smemu does not emulate an algorithm called {name!r}. "
            f"It emulates: {', '.join(algorithm_names())}.")
    return descriptor


def descriptor_for_repository(repository: str) -> AlgorithmDescriptor | None:
    """The algorithm whose real image lives in the ECR repository ``repository``, or None."""
    for descriptor in descriptors().values():
        if repository in descriptor.image_repositories or repository == descriptor.name:
            return descriptor
    return None


def get_algorithm(name: str):
    """An instance of the trainer of ``name`` (imports its training code)."""
    return get_descriptor(name).new_trainer()


def serving_algorithms() -> list[str]:
    return [name for name, d in descriptors().items() if d.serves]
