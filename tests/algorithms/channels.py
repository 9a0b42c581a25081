"""In-memory data channels for algorithm tests."""

from __future__ import annotations

from smemu.algorithms.data import ArrayChannel


def channels(**named):
    """``channels(train=(X, y), validation=(X, y))`` -> {name: ArrayChannel}."""
    return {name: ArrayChannel(name, *value) for name, value in named.items()}
