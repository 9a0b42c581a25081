"""Reading ``/opt/ml/model/model_algo-1`` back into the ModelArtifact training gave.

SageMaker unpacks ``model.tar.gz`` into ``/opt/ml/model`` before it starts ``serve``. The built-ins'
``model_algo-1`` is either an MXNet NDArray file (k-means: a list with the centroids) or a zip
holding an MXNet module checkpoint (linear learner); builtin-algorithms.md §1.5, §2.4, §3.4.
"""

from __future__ import annotations

import os
import zipfile

from smemu.algorithms.base import ModelArtifact
from smemu.algorithms.errors import CustomerError
from smemu.formats import FormatError, load_ndarrays

MODEL_FILE = "model_algo-1"


def read_model_artifact(model_dir: str) -> ModelArtifact:
    """The ModelArtifact in ``model_dir``; a CustomerError naming the file and what to do."""
    path = os.path.join(model_dir, MODEL_FILE)
    if not os.path.isfile(path):
        present = sorted(os.listdir(model_dir)) if os.path.isdir(model_dir) else None
        raise CustomerError(
            f"There is no {path}: the model.tar.gz must hold a file {MODEL_FILE} at its top "
            f"level, as the training job writes it "
            + (f"(the model directory holds: {', '.join(present) or 'nothing'})."
               if present is not None else f"(the directory {model_dir} does not exist)."))
    try:
        if zipfile.is_zipfile(path):
            return _read_module_zip(path)
        return ModelArtifact(arrays=load_ndarrays(path))
    except FormatError as exc:
        raise CustomerError(f"The model cannot be read: {exc}") from None


def _read_module_zip(path: str) -> ModelArtifact:
    from smemu.formats.mxnet_checkpoint import read_module_zip

    return read_module_zip(path)
