"""The object detection model files, named as the real algorithm's ``model.tar.gz`` holds them
(the SSD checkpoint ``model_algo_1-symbol.json`` / ``model_algo_1-0000.params`` and
``hyperparams.json``, as public write-ups deploying the built-in's model with MXNet show them).

Their contents are smemu's reference detector: the symbol is its per-pixel classifier as an
MXNet network (``data`` — the colour features of each pixel — -> ``FullyConnected`` ``fc1`` ->
``SoftmaxOutput``), the params its weights, and ``hyperparams.json`` the job's hyperparameters
plus ``smemu_working_side`` (the side images are resized to). Regions and boxes are made from the
classifier's per-pixel answer as :mod:`.boxes` says; that step has no MXNet form.
"""

from __future__ import annotations

import io
import json

import numpy as np

from smemu.formats.ndarray import load_ndarrays, save_ndarrays

SYMBOL = "model_algo_1-symbol.json"
PARAMS = "model_algo_1-0000.params"
HYPERPARAMS = "hyperparams.json"
FILES = (SYMBOL, PARAMS, HYPERPARAMS)
MXNET_VERSION = 10901


def symbol_json(outputs: int) -> dict:
    hidden = {"num_hidden": str(outputs)}
    nodes = [
        {"op": "null", "name": "data", "inputs": []},
        {"op": "null", "name": "fc1_weight", "attrs": dict(hidden), "inputs": []},
        {"op": "null", "name": "fc1_bias", "attrs": dict(hidden), "inputs": []},
        {"op": "FullyConnected", "name": "fc1", "attrs": dict(hidden),
         "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]},
        {"op": "null", "name": "softmax_label", "inputs": []},
        {"op": "SoftmaxOutput", "name": "softmax", "inputs": [[3, 0, 0], [4, 0, 0]]},
    ]
    return {"nodes": nodes, "arg_nodes": [0, 1, 2, 4],
            "node_row_ptr": list(range(len(nodes) + 1)), "heads": [[5, 0, 0]],
            "attrs": {"mxnet_version": ["int", MXNET_VERSION]}}


def model_files(weight, bias, hyperparameters: dict, side: int) -> dict:
    params = io.BytesIO()
    save_ndarrays(params, {"arg:fc1_weight": np.asarray(weight, dtype=np.float32),
                           "arg:fc1_bias": np.asarray(bias, dtype=np.float32)})
    return {SYMBOL: json.dumps(symbol_json(len(bias)), indent=2).encode(),
            PARAMS: params.getvalue(),
            HYPERPARAMS: json.dumps({**hyperparameters, "smemu_working_side": str(side)},
                                    indent=2).encode()}


def read_model_files(files: dict):
    """(weight, bias, hyperparameters) of the model files."""
    arrays = load_ndarrays(io.BytesIO(files[PARAMS]), name=PARAMS)
    return (np.asarray(arrays["arg:fc1_weight"]), np.asarray(arrays["arg:fc1_bias"]),
            json.loads(files[HYPERPARAMS]))
