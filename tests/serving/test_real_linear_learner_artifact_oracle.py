"""A linear learner model_algo-1 built by hand in exactly the real built-in's layout, with the real
mxnet 1.9.1: stored zip members in the real order, the real manifest.json, additional-params.json,
a ``dot``/``broadcast_add`` symbol with fc0_weight (feature_dim, outputs) and fc0_bias (1, outputs).
smemu serves it, and its answers equal mxnet's own forward pass of that module."""

from __future__ import annotations

import json

import numpy as np
import pytest
from serving_helpers import LiveServer

pytestmark = pytest.mark.oracle

BUILD_REAL_ARTIFACT = r"""
import json, os, sys, zipfile
import numpy as np
import mxnet as mx
out_dir, op, outputs, additional, data = sys.argv[1:6]
outputs = int(outputs)
X = np.load(data)
rng = np.random.default_rng(3)
dim = X.shape[1]
weight = rng.normal(size=(dim, outputs)).astype(np.float32)
bias = rng.normal(size=(1, outputs)).astype(np.float32)
d = mx.sym.var("data")
w = mx.sym.var("fc0_weight", shape=(dim, outputs))
b = mx.sym.var("fc0_bias", shape=(1, outputs), lr_mult=10.0)
head = getattr(mx.sym, op)(mx.sym.broadcast_plus(mx.sym.dot(d, w, name="dot32"), b,
                                                 name="broadcast_plus32"), name="out")
symbol = json.loads(head.tojson())
symbol["attrs"]["mxnet_version"] = ["int", 10301]      # what MXNet 1.3.1 writes
work = os.path.join(out_dir, "work")
os.makedirs(work)
with open(os.path.join(work, "mx-mod-symbol.json"), "w") as f:
    json.dump(symbol, f, indent=2)
mx.nd.save(os.path.join(work, "mx-mod-0000.params"),
           {"arg:fc0_weight": mx.nd.array(weight), "arg:fc0_bias": mx.nd.array(bias)})
members = [("mx-mod-0000.params", open(os.path.join(work, "mx-mod-0000.params"), "rb").read()),
           ("mx-mod-symbol.json", open(os.path.join(work, "mx-mod-symbol.json"), "rb").read()),
           ("manifest.json",
            b'{"additional-params.json": "json", "mx-mod": "mxnet_module", "version": 1}'),
           ("additional-params.json", additional.encode())]
model_dir = os.path.join(out_dir, "model")
os.makedirs(model_dir)
with zipfile.ZipFile(os.path.join(model_dir, "model_algo-1"), "w", zipfile.ZIP_STORED) as zf:
    for name, body in members:
        zf.writestr(name, body)
mod = mx.mod.Module.load(os.path.join(work, "mx-mod"), 0, label_names=["out_label"])
mod.bind(data_shapes=[("data", X.shape)], for_training=False)
mod.forward(mx.io.DataBatch([mx.nd.array(X)]), is_train=False)
print(json.dumps(mod.get_outputs()[0].asnumpy().tolist()))
"""


def additional_params(predictor_type, loss, threshold):
    metrics = {"eps_insensitive_loss_type": None, "class_weights": None, "huber_delta": None,
               "quantile": None, "loss_insensitivity": None, "positive_example_weight_mult": 1.0,
               "accuracy_top_k": 3, "threshold": threshold, "f_beta": None, "margin": None}
    return json.dumps({"threshold": threshold, "loss_type": loss, "metrics_params": metrics,
                       "predictor_type": predictor_type})


@pytest.mark.parametrize("predictor_type, loss, op, outputs, threshold", [
    # the regressor's additional-params.json is the real file's, byte for byte
    ("regressor", "squared_loss", "LinearRegressionOutput", 1, 0.5),
    ("binary_classifier", "logistic", "LogisticRegressionOutput", 1, 0.35),
    ("multiclass_classifier", "softmax_loss", "SoftmaxOutput", 4, 0.5),
])
def test_a_real_layout_artifact_is_served_as_mxnet_scores_it(
        tmp_path, run_oracle, predictor_type, loss, op, outputs, threshold):
    X = np.random.default_rng(8).normal(size=(25, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    additional = additional_params(predictor_type, loss, threshold)
    mx_scores = np.asarray(json.loads(run_oracle(
        BUILD_REAL_ARTIFACT, tmp_path, op, str(outputs), additional, tmp_path / "x.npy")))
    server = LiveServer(tmp_path, "linear-learner")
    try:
        status, _, body = server.invoke(
            json.dumps({"instances": [{"features": r.tolist()} for r in X]}).encode(),
            "application/json")
    finally:
        server.close()
    assert status == 200, body
    predictions = json.loads(body)["predictions"]
    scores = np.asarray([p["score"] for p in predictions])
    np.testing.assert_allclose(scores, mx_scores.reshape(scores.shape), rtol=1e-5, atol=1e-6)
    if predictor_type == "regressor":
        assert all(list(p) == ["score"] for p in predictions)
    elif predictor_type == "binary_classifier":
        assert 0 < np.mean(scores >= threshold) < 1     # both labels occur
        assert [p["predicted_label"] for p in predictions] == \
            (np.float32(mx_scores[:, 0]) >= threshold).astype(float).tolist()
    else:
        assert [p["predicted_label"] for p in predictions] == \
            mx_scores.argmax(axis=1).astype(float).tolist()
