"""Building a container's /opt/ml tree in a temporary directory, as the platform would lay it out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CENTRES = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 0.0], [0.0, 10.0, 10.0]])


def blobs(n: int = 600, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = np.vstack([c + rng.normal(scale=0.3, size=(n // 3, 3)) for c in CENTRES])
    rng.shuffle(rows)
    return rows.astype(np.float32)


def make_tree(root: Path, hyperparameters: dict, channels: dict) -> Path:
    """``channels``: name -> {"ContentType"?, "TrainingInputMode"?}; File-mode dirs are created."""
    config = root / "input" / "config"
    config.mkdir(parents=True)
    (root / "input" / "data").mkdir(parents=True)
    (root / "model").mkdir()
    (root / "output" / "data").mkdir(parents=True)
    idc = {}
    for name, cfg in channels.items():
        entry = {}
        if cfg.get("ContentType") is not None:
            entry["ContentType"] = cfg["ContentType"]
        entry["TrainingInputMode"] = cfg.get("TrainingInputMode", "File")
        entry["S3DistributionType"] = "FullyReplicated"
        entry["RecordWrapperType"] = "None"
        idc[name] = entry
        if entry["TrainingInputMode"] == "File":
            (root / "input" / "data" / name).mkdir()
    (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    (config / "inputdataconfig.json").write_text(json.dumps(idc))
    (config / "resourceconfig.json").write_text(json.dumps(
        {"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"}))
    return root


def nearest_centre_error(centroids) -> float:
    d = np.linalg.norm(CENTRES[:, None, :] - np.asarray(centroids)[None, :, :], axis=2)
    return float(d.min(axis=1).max())
