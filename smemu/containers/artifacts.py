"""Writing an algorithm's ModelArtifact as ``/opt/ml/model/model_algo-1``, and reading it back
when the serving container starts.

The built-ins' ``model_algo-1`` is either an MXNet NDArray file (k-means: a list with the
centroids) or a zip holding an MXNet module checkpoint (linear learner): what the real images
write, which ``mxnet.ndarray.load`` and ``mxnet.module.Module.load`` read (see the SageMaker
developer guide's "K-Means Algorithm" and "Linear Learner Algorithm" pages on using the model
outside SageMaker).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from smemu import contract
from smemu.algorithms.base import ModelArtifact
from smemu.algorithms.errors import CustomerError
from smemu.formats import FormatError, load_ndarrays, mxnet_checkpoint, save_ndarrays

MODEL_FILE = contract.MODEL_FILE


def write_model(artifact: ModelArtifact, model_dir: Path) -> Path:
    """The model files in ``model_dir``, laid out as ``artifact.layout`` says (see ModelArtifact);
    returns the main file's path."""
    model_dir.mkdir(parents=True, exist_ok=True)
    path = model_dir / MODEL_FILE
    if artifact.layout == "ndarray":
        save_ndarrays(path, artifact.arrays)
    elif artifact.layout == "mxnet-module":
        mxnet_checkpoint.write_module_zip(path, artifact.symbol, artifact.arrays, artifact.manifest,
                                          style=artifact.checkpoint_style)
    elif artifact.layout == "files":
        if not artifact.files:
            raise ValueError("a 'files' model artifact holds no files")
        for name, data in artifact.files.items():
            (model_dir / name).write_bytes(data)
        path = model_dir / next(iter(artifact.files))
    else:
        raise ValueError(f"unknown model layout {artifact.layout!r}")
    for name, data in artifact.extra_files.items():
        (model_dir / name).write_bytes(data)
    return path


def _missing(model_dir: Path, shown_as: str, name: str) -> CustomerError:
    present = sorted(os.listdir(model_dir)) if Path(model_dir).is_dir() else None
    return CustomerError(
        f"There is no {shown_as}/{name}: the model.tar.gz must hold a file {name} "
        f"at its top level, as the training job writes it "
        + (f"(the model directory holds: {', '.join(present) or 'nothing'})."
           if present is not None else f"(the directory {shown_as} does not exist)."))


def read_model(model_dir: Path, shown_as: str | None = None,
               model_files: tuple[str, ...] = (MODEL_FILE,)) -> ModelArtifact:
    """The ModelArtifact in ``model_dir`` (SageMaker unpacks model.tar.gz there before ``serve``);
    a CustomerError naming the file (as ``shown_as``, e.g. /opt/ml/model) and what to do.

    ``model_files`` are the files the algorithm's descriptor declares: ``model_algo-1`` alone is
    read as an NDArray file or an MXNet module zip; any other names (or glob patterns, for a
    file whose name varies) are read as bytes (layout ``"files"``, keyed by the file's name)."""
    shown_as = shown_as or str(model_dir)
    if tuple(model_files) != (MODEL_FILE,):
        files = {}
        for name in model_files:
            # a glob pattern names a file whose name varies (image classification's
            # image-classification-0010.params carries its epoch): the last match, keyed by it
            matches = sorted(Path(model_dir).glob(name)) if any(c in name for c in "*?[") \
                else [Path(model_dir) / name]
            path = matches[-1] if matches else Path(model_dir) / name
            if not path.is_file():
                raise _missing(Path(model_dir), shown_as, name)
            files[path.name] = path.read_bytes()
        return ModelArtifact(layout="files", files=files)
    path = Path(model_dir) / MODEL_FILE
    if not path.is_file():
        raise _missing(Path(model_dir), shown_as, MODEL_FILE)
    try:
        if zipfile.is_zipfile(path):
            symbol, arrays, manifest = mxnet_checkpoint.read_module_zip(path)
            return ModelArtifact(arrays=arrays, layout="mxnet-module", symbol=symbol,
                                 manifest=manifest)
        return ModelArtifact(arrays=load_ndarrays(path, name=f"{shown_as}/{MODEL_FILE}"))
    except FormatError as exc:
        raise CustomerError(f"The model cannot be read: {exc}") from None
