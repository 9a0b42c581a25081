"""Seeds derived from a job's hyperparameters: the same data and hyperparameters give the same
model, as the built-ins (which seed their generators from fixed values) do."""

from __future__ import annotations

import json
import zlib

from smemu.algorithms.hyperparameters import Config


def hyperparameter_seed(config: Config, keys=None) -> int:
    """A fixed seed from the raw values of ``keys`` (every public hyperparameter when None)."""
    keys = [k for k in config.raw if not k.startswith("_")] if keys is None else keys
    shown = {key: config.raw.get(key) for key in keys}
    return zlib.crc32(json.dumps(shown, sort_keys=True).encode())
