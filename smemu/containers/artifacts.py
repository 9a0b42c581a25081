"""Writing an algorithm's ModelArtifact as ``/opt/ml/model/model_algo-1``."""

from __future__ import annotations

import importlib
from pathlib import Path

from smemu.algorithms.base import ModelArtifact
from smemu.formats import save_ndarrays

MODEL_FILE = "model_algo-1"


def write_model(artifact: ModelArtifact, model_dir: Path) -> Path:
    """``model_algo-1`` in ``model_dir``, laid out as ``artifact.layout`` says (see ModelArtifact)."""
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / MODEL_FILE
    if artifact.layout == "ndarray":
        save_ndarrays(path, artifact.arrays)
    elif artifact.layout == "mxnet-module":
        # written by the linear learner's side of the formats layer; imported only when needed
        checkpoint = importlib.import_module("smemu.formats.mxnet_checkpoint")
        checkpoint.write_module_zip(path, artifact.symbol, artifact.arrays, artifact.manifest)
    else:
        raise ValueError(f"unknown model layout {artifact.layout!r}")
    return path
