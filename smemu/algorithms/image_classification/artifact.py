"""The image classification model files, named and laid out as the real algorithm's
``model.tar.gz`` holds them (a public AWS DeepLens example notebook lists one:
``image-classification-0010.params``, ``model-shapes.json``, ``image-classification-symbol.json``):
the MXNet symbol, the checkpoint's parameters — named by the epoch of the checkpoint, as MXNet's
``save_checkpoint`` names them, ``arg:``/``aux:`` arrays as ``mx.nd.save`` writes them — and the
input's name and shape.

The contents are smemu's reference model as a real MXNet network: ``data`` (1, C, H, W) ->
``Pooling`` (average, the feature pooling of :mod:`smemu.algorithms.images`) -> ``Flatten`` ->
``FullyConnected`` (``fc1``, the classifier's weights on pixel values divided by 255) ->
``SoftmaxOutput`` (``softmax``), so ``mx.mod.Module.load("image-classification", epoch)`` runs it
on a centre-cropped image.
"""

from __future__ import annotations

import fnmatch
import io
import json

import numpy as np

from smemu.algorithms.images import pool_kernel
from smemu.formats.ndarray import load_ndarrays, save_ndarrays

PREFIX = "image-classification"
SYMBOL = f"{PREFIX}-symbol.json"
PARAMS = f"{PREFIX}-[0-9][0-9][0-9][0-9].params"    # the checkpoint's epoch, 1-based
SHAPES = "model-shapes.json"
FILES = (SYMBOL, PARAMS, SHAPES)


def params_name(epoch: int) -> str:
    """The params file of the checkpoint after ``epoch`` (1-based) epochs."""
    return f"{PREFIX}-{epoch:04d}.params"


def params_of(files: dict) -> bytes:
    """The bytes of the params file among ``files``, whatever its epoch."""
    return next(data for name, data in files.items() if fnmatch.fnmatch(name, PARAMS))
MXNET_VERSION = 10901  # 1.9.1


def symbol_json(image_shape, num_classes: int, multi_label: bool) -> dict:
    _, height, width = image_shape
    kernel = str(pool_kernel(height, width))
    hidden = {"num_hidden": str(num_classes)}
    output = "LogisticRegressionOutput" if multi_label else "SoftmaxOutput"
    nodes = [
        {"op": "null", "name": "data", "inputs": []},
        {"op": "Pooling", "name": "pool", "inputs": [[0, 0, 0]],
         "attrs": {"kernel": kernel, "stride": kernel, "pool_type": "avg",
                   "pooling_convention": "valid"}},
        {"op": "Flatten", "name": "flatten", "inputs": [[1, 0, 0]]},
        {"op": "null", "name": "fc1_weight", "attrs": dict(hidden), "inputs": []},
        {"op": "null", "name": "fc1_bias", "attrs": dict(hidden), "inputs": []},
        {"op": "FullyConnected", "name": "fc1", "attrs": dict(hidden),
         "inputs": [[2, 0, 0], [3, 0, 0], [4, 0, 0]]},
        {"op": "null", "name": "softmax_label", "inputs": []},
        {"op": output, "name": "softmax", "inputs": [[5, 0, 0], [6, 0, 0]]},
    ]
    return {"nodes": nodes, "arg_nodes": [0, 3, 4, 6],
            "node_row_ptr": list(range(len(nodes) + 1)), "heads": [[7, 0, 0]],
            "attrs": {"mxnet_version": ["int", MXNET_VERSION]}}


def model_files(weight: np.ndarray, bias: np.ndarray, image_shape, multi_label: bool,
                epoch: int = 0) -> dict:
    """File name -> bytes of the model. ``weight`` acts on [0, 1] features: the params hold it
    divided by 255, for the network's 0-255 pixels."""
    params = io.BytesIO()
    save_ndarrays(params, {"arg:fc1_weight": (np.asarray(weight) / 255.0).astype(np.float32),
                           "arg:fc1_bias": np.asarray(bias, dtype=np.float32)})
    symbol = symbol_json(image_shape, len(bias), multi_label)
    shapes = [{"shape": [1, *image_shape], "name": "data"}]
    return {SYMBOL: json.dumps(symbol, indent=2).encode(), params_name(epoch): params.getvalue(),
            SHAPES: json.dumps(shapes).encode()}


def read_model_files(files: dict):
    """(weight on [0, 1] features, bias, image_shape, multi_label) of the model files."""
    arrays = load_ndarrays(io.BytesIO(params_of(files)), name=PREFIX + " params")
    shapes = json.loads(files[SHAPES])
    symbol = json.loads(files[SYMBOL])
    multi_label = symbol["nodes"][-1]["op"] == "LogisticRegressionOutput"
    weight = np.asarray(arrays["arg:fc1_weight"], dtype=np.float32) * 255.0
    return weight, np.asarray(arrays["arg:fc1_bias"]), tuple(shapes[0]["shape"][1:]), multi_label
