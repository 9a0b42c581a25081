"""Which built-in algorithms smemu has: every package below ``smemu.algorithms`` whose
``descriptor`` module defines ``DESCRIPTOR`` (see :mod:`smemu.algorithms.descriptor`).

Nothing else lists algorithms: a new built-in is a new folder.

Reading the descriptors must not import any algorithm's training code, yet an algorithm's
``__init__.py`` holds its trainer (numpy, scipy.stats, faiss, xgboost ...), and importing
``<folder>.descriptor`` runs the package's ``__init__`` first. So the scan puts each algorithm
package in ``sys.modules`` *deferred* (:func:`_deferred_package`): a package object with its
``__path__`` (so ``descriptor``, ``schema`` ... import as usual) whose ``__init__`` runs on the
first attribute asked of it that it does not have yet (``from smemu.algorithms.kmeans import
KMeans``, or a descriptor's ``"smemu.algorithms.kmeans:KMeans"``). ``smemu --help`` and request
validation read every schema without importing one trainer.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
import sys
import threading

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
        _deferred_package(f"{package.__name__}.{info.name}")
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


_DEFERRED_LOCK = threading.RLock()


def _deferred_package(name: str) -> None:
    """Put package ``name`` in ``sys.modules`` without running its ``__init__``; the first
    attribute lookup the package cannot answer runs it (once, in the same module object, so the
    submodules already imported stay its attributes). A no-op if it is imported already."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    module = importlib.util.module_from_spec(spec)
    state = {"loaded": False, "loading": False}

    def __getattr__(attribute: str):
        if not state["loaded"] and _is_submodule(name, attribute):
            # ``from <package> import <submodule>``: Python imports the submodule itself when the
            # package lacks the attribute; running ``__init__`` here could import a module that
            # is still half-initialised (``knn/inference.py`` importing ``knn.index``)
            raise AttributeError(f"module {name!r} has no attribute {attribute!r} yet")
        with _DEFERRED_LOCK:
            if not state["loaded"] and not state["loading"]:
                state["loading"] = True
                try:
                    spec.loader.exec_module(module)   # an error leaves the hook: a retry re-raises it
                    state["loaded"] = True
                    if module.__dict__.get("__getattr__") is __getattr__:
                        del module.__dict__["__getattr__"]
                finally:
                    state["loading"] = False
            elif state["loading"]:
                # asked while its own __init__ runs (``from . import submodule``): not there yet
                raise AttributeError(f"module {name!r} has no attribute {attribute!r}")
        try:
            return module.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    module.__getattr__ = __getattr__
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


def _is_submodule(package: str, attribute: str) -> bool:
    try:
        return importlib.util.find_spec(f"{package}.{attribute}") is not None
    except (ImportError, ValueError):
        return False


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
