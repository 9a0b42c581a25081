"""Factorization Machines' model_algo-1 against real mxnet 1.9.1, the way users of the real model
read it: unzip, rename symbol.json / params to model-symbol.json / model-0000.params,
``mx.mod.Module.load('model', 0, label_names=['out_label'])``; the module's forward pass and its
``_arg_params`` (v, w1_weight, w0_weight) must agree with smemu's predictor."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from smemu.algorithms.registry import get_descriptor
from smemu.formats.mxnet_checkpoint import write_module_zip

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "algorithms"))
from test_factorization_machines import HP, train  # noqa: E402
from smemu.algorithms.factorization_machines.sample import interaction_data  # noqa: E402

pytestmark = pytest.mark.oracle

ORACLE_CODE = r"""
import json, os, sys, zipfile
import numpy as np
import mxnet as mx
model, data, out = sys.argv[1:4]
zipfile.ZipFile(model).extractall(out)
os.rename(out + "/symbol.json", out + "/model-symbol.json")
os.rename(out + "/params", out + "/model-0000.params")
X = np.load(data)
mod = mx.mod.Module.load(out + "/model", 0, False, label_names=["out_label"])
mod.bind(data_shapes=[("data", X.shape)], for_training=False)
mod.forward(mx.io.DataBatch([mx.nd.array(X)]), is_train=False)
print(json.dumps({
    "scores": mod.get_outputs()[0].asnumpy().ravel().tolist(),
    "shapes": {k: list(v.shape) for k, v in mod._arg_params.items()},
    "v": mod._arg_params["v"].asnumpy().ravel().tolist(),
    "meta": json.load(open(out + "/meta.json")),
}))
"""


@pytest.mark.parametrize("kind", ["binary_classifier", "regressor"])
def test_real_mxnet_loads_and_scores_the_model(tmp_path, run_oracle, kind):
    X, y = interaction_data(np.random.default_rng(11), rows=300)
    art, _ = train(dict(HP, predictor_type=kind, epochs="2"), train=(X, y))
    model = tmp_path / "model_algo-1"
    write_module_zip(model, art.symbol, art.arrays, art.manifest, style=art.checkpoint_style)
    dense = X[:40].toarray()
    np.save(tmp_path / "x.npy", dense)
    got = json.loads(run_oracle(ORACLE_CODE, model, tmp_path / "x.npy", tmp_path / "unzipped"))

    assert got["shapes"] == {"w0_weight": [1], "w1_weight": [40, 1], "v": [40, 8]}
    np.testing.assert_array_equal(np.float32(got["v"]), art.arrays["arg:v"].ravel())
    assert got["meta"]["training_parameters"]["feature_dim"] == "40"
    ours = get_descriptor("factorization-machines").load_predictor(art).predict(X[:40])["score"]
    np.testing.assert_allclose(np.asarray(got["scores"]), ours, rtol=1e-4, atol=1e-5)
