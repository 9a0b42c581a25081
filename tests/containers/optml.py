"""Building a container's /opt/ml tree in a temporary directory, as the platform would lay it out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from smemu import contract

CENTRES = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 0.0], [0.0, 10.0, 10.0]])


def blobs(n: int = 600, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = np.vstack([c + rng.normal(scale=0.3, size=(n // 3, 3)) for c in CENTRES])
    rng.shuffle(rows)
    return rows.astype(np.float32)


def make_tree(root: Path, hyperparameters: dict, channels: dict) -> Path:
    """``channels``: name -> {"ContentType"?, "TrainingInputMode"?}; File-mode dirs are created."""
    tree = contract.Tree(root)
    for directory in (tree.config_dir, tree.data_dir, tree.model_dir, tree.output_data_dir):
        directory.mkdir(parents=True)
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
            tree.channel_dir(name).mkdir()
    tree.config_file(contract.HYPERPARAMETERS).write_text(json.dumps(hyperparameters))
    tree.config_file(contract.INPUT_DATA_CONFIG).write_text(json.dumps(idc))
    host = contract.FIRST_HOST
    tree.config_file(contract.RESOURCE_CONFIG).write_text(json.dumps(
        {"current_host": host, "hosts": [host], "network_interface_name": "eth0"}))
    return root


def nearest_centre_error(centroids) -> float:
    d = np.linalg.norm(CENTRES[:, None, :] - np.asarray(centroids)[None, :, :], axis=2)
    return float(d.min(axis=1).max())
