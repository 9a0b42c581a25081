"""Synthetic login events: each entity uses a few addresses of its own networks (IPv4 /24s, some
IPv6 /64s), the kind of data IP Insights learns from."""

from __future__ import annotations

import ipaddress

import numpy as np

from smemu.algorithms.descriptor import SampleData

ENTITIES, EVENTS = 200, 4000


def synthetic_events(rng: np.random.Generator, entities: int = ENTITIES, events: int = EVENTS,
                     ipv6_share: float = 0.2) -> np.ndarray:
    """``(events, 2)`` object array of ``user_<i>, address`` rows: each entity has one or two
    home networks and logs in from a handful of addresses in them."""
    homes = []
    for _ in range(entities):
        networks = []
        for _ in range(rng.integers(1, 3)):
            if rng.random() < ipv6_share:
                base = (0x2001 << 112) | (int(rng.integers(0, 1 << 48)) << 64)
                networks.append([ipaddress.IPv6Address(base | int(rng.integers(1, 1 << 16)))
                                 for _ in range(3)])
            else:
                base = int(rng.integers(1 << 24, (224 << 24) - 256)) & ~0xFF
                networks.append([ipaddress.IPv4Address(base | int(rng.integers(1, 255)))
                                 for _ in range(3)])
        homes.append([a for net in networks for a in net])
    who = rng.integers(0, entities, size=events)
    rows = np.empty((events, 2), dtype=object)
    for i, entity in enumerate(who):
        rows[i, 0] = f"user_{entity}"
        rows[i, 1] = str(homes[entity][rng.integers(0, len(homes[entity]))])
    return rows


def other_entity_pairs(rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each row's entity with the address of a row of a different entity."""
    out = rows.copy()
    n = len(rows)
    for i in range(n):
        while True:
            j = int(rng.integers(0, n))
            if rows[j, 0] != rows[i, 0]:
                out[i, 1] = rows[j, 1]
                break
    return out


def _quality(predictions, features, truth):
    """AUC of observed pairs (truth 1) against the same entities with other entities'
    addresses (truth 0)."""
    from smemu.algorithms.ipinsights import auc
    scores = np.asarray(predictions["dot_product"])
    return auc(scores[truth == 1], scores[truth == 0]), 0.8


def sample(rng) -> SampleData:
    rows = synthetic_events(rng, events=2000)
    held_out = rows[:200]
    pairs = np.concatenate([held_out, other_entity_pairs(held_out, rng)])
    labels = np.repeat([1.0, 0.0], len(held_out))
    return SampleData(
        channels={"train": (rows, None), "validation": (rows[:300], None)},
        hyperparameters={"num_entity_vectors": "400", "vector_dim": "16", "epochs": "10",
                         "mini_batch_size": "100", "learning_rate": "0.01"},
        content_type="text/csv",
        quality=_quality,
        evaluation=(pairs, labels),
    )
