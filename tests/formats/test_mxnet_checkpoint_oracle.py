"""Linear Learner's model_algo-1 against real mxnet 1.9.1: the params file loads as a dict with
arg:fc0_weight (feature_dim, outputs) / arg:fc0_bias (1, outputs), the symbol is the one mxnet
itself builds from dot and broadcast_plus, and the module built from the zip scores as smemu
does."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from smemu.algorithms.linear_learner.inference import predict
from smemu.formats.mxnet_checkpoint import write_module_zip

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "algorithms"))
from linear_learner_helpers import train  # noqa: E402

pytestmark = pytest.mark.oracle

ORACLE_CODE = r"""
import json, sys, zipfile
import numpy as np
import mxnet as mx
model, data, out = sys.argv[1:4]
zipfile.ZipFile(model).extractall(out)
params = mx.nd.load(out + "/mx-mod-0000.params")
sym = mx.sym.load(out + "/mx-mod-symbol.json")
X = np.load(data)
mod = mx.mod.Module.load(out + "/mx-mod", 0, label_names=["out_label"])
mod.bind(data_shapes=[("data", X.shape)], for_training=False)
mod.forward(mx.io.DataBatch([mx.nd.array(X)]), is_train=False)
scores = mod.get_outputs()[0].asnumpy()
print(json.dumps({
    "type": type(params).__name__,
    "params": {k: list(v.shape) for k, v in params.items()},
    "weight": params["arg:fc0_weight"].asnumpy().ravel().tolist(),
    "arguments": sym.list_arguments(),
    "nodes": json.loads(sym.tojson())["nodes"],
    "scores": scores.tolist(),
}))
"""


@pytest.mark.parametrize("hp, classes", [
    ({"predictor_type": "binary_classifier"}, 1),
    ({"predictor_type": "regressor"}, 1),
    ({"predictor_type": "binary_classifier", "loss": "hinge_loss"}, 1),
    ({"predictor_type": "multiclass_classifier", "num_classes": "3"}, 3),
])
def test_real_mxnet_loads_and_scores_the_model(tmp_path, run_oracle, hp, classes):
    rng = np.random.default_rng(0)
    X = rng.normal(3.0, 2.0, size=(300, 5)).astype(np.float32)
    y = np.clip(np.round(X[:, 0] - 3.0 + X[:, 1] - 3.0), 0, 2) if classes == 3 \
        else (X[:, 0] + X[:, 1] > 6).astype(np.float32)
    if hp["predictor_type"] == "regressor":
        y = (X @ np.arange(5.0) + 2.0).astype(np.float32)
    art, _ = train(dict(hp, epochs="3", num_models="2", mini_batch_size="50"), train=(X, y))
    model = tmp_path / "model_algo-1"
    write_module_zip(model, art.symbol, art.arrays, art.manifest)
    np.save(tmp_path / "x.npy", X[:40])
    got = json.loads(run_oracle(ORACLE_CODE, model, tmp_path / "x.npy", tmp_path / "unzipped"))

    assert got["type"] == "dict"
    assert got["params"] == {"arg:fc0_weight": [5, classes], "arg:fc0_bias": [1, classes]}
    assert got["arguments"] == ["data", "fc0_weight", "fc0_bias", "out_label"]
    assert got["nodes"] == art.symbol["nodes"]   # mxnet writes the symbol back unchanged
    np.testing.assert_array_equal(np.float32(got["weight"]), art.arrays["arg:fc0_weight"].ravel())
    score, _ = predict(art, X[:40])
    mx_scores = np.asarray(got["scores"])
    np.testing.assert_allclose(mx_scores.reshape(score.shape), score, rtol=1e-4, atol=1e-4)
