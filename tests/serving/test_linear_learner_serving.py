"""Linear Learner models served: scores checked against the model's own arithmetic,
score = sigmoid(w.x + b) / softmax / w.x + b with the params read straight from model_algo-1."""

import io
import json
import subprocess
import sys
import tarfile
import urllib.request
import zipfile

import numpy as np
import pytest
from serving_helpers import LiveServer

from smemu.algorithms.base import ModelArtifact
from smemu.algorithms.errors import CustomerError
from smemu.algorithms.linear_learner.inference import load_model
from smemu.algorithms.linear_learner.symbol import module_symbol
from smemu.containers.artifacts import read_model, write_model
from smemu.emulator.serving import LocalEndpoint
from smemu.formats import load_ndarrays, save_ndarrays

ROWS = np.random.default_rng(21).normal(size=(30, 4)).astype(np.float32)


def write_ll_model(root, predictor_type, outputs, loss, threshold=None, seed=0):
    """A model in the real layout; returns its weight as (outputs, 4) and bias (outputs,)."""
    rng = np.random.default_rng(seed)
    weight = rng.normal(size=(outputs, 4)).astype(np.float32)
    bias = rng.normal(size=outputs).astype(np.float32)
    symbol, _ = module_symbol(loss, 4, outputs)
    artifact = ModelArtifact(
        arrays={"arg:fc0_weight": weight.T.copy(), "arg:fc0_bias": bias.reshape(1, -1)},
        layout="mxnet-module", symbol=symbol,
        manifest={"threshold": 0.5 if threshold is None else threshold, "loss_type": loss,
                  "predictor_type": predictor_type})
    write_model(artifact, root / "model")
    return weight, bias


def write_older_smemu_model(root, predictor_type, loss, threshold, weight, bias):
    """A model_algo-1 as smemu wrote it before it took the real layout: a deflated zip, a
    FullyConnected symbol with fc0_weight (outputs, feature_dim), smemu's own manifest.json and
    normalisation arrays in additional-params.json."""
    ops = {"logistic": "LogisticRegressionOutput", "softmax_loss": "SoftmaxOutput"}
    outputs = weight.shape[0]
    hidden = {"num_hidden": str(outputs)}
    symbol = {"nodes": [
        {"op": "null", "name": "data", "inputs": []},
        {"op": "null", "name": "fc0_weight", "attrs": hidden, "inputs": []},
        {"op": "null", "name": "fc0_bias", "attrs": hidden, "inputs": []},
        {"op": "FullyConnected", "name": "fc0", "attrs": hidden,
         "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]},
        {"op": "null", "name": "out_label", "inputs": []},
        {"op": ops.get(loss, "LinearRegressionOutput"), "name": "out",
         "inputs": [[3, 0, 0], [4, 0, 0]]}],
        "arg_nodes": [0, 1, 2, 4], "node_row_ptr": list(range(7)), "heads": [[5, 0, 0]],
        "attrs": {"mxnet_version": ["int", 10901]}}
    output = {"logistic": "sigmoid", "softmax_loss": "softmax"}.get(loss, "identity")
    manifest = {"algorithm": "linear-learner", "predictor_type": predictor_type, "loss": loss,
                "output": output, "threshold": threshold,
                "files": ["mx-mod-symbol.json", "mx-mod-0000.params", "additional-params.json",
                          "manifest.json"]}
    params = io.BytesIO()
    save_ndarrays(params, {"arg:fc0_weight": weight, "arg:fc0_bias": bias})
    (root / "model").mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(root / "model" / "model_algo-1", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mx-mod-symbol.json", json.dumps(symbol, indent=2))
        zf.writestr("mx-mod-0000.params", params.getvalue())
        zf.writestr("additional-params.json",
                    json.dumps({"mean_weight": [0.0] * weight.shape[1],
                                "threshold": [threshold or 0.0]}))
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))


def served_predictions(root):
    """The JSON predictions a live server of ``root``'s model gives for ROWS."""
    server = LiveServer(root, "linear-learner")
    try:
        return invoke_json(server, ROWS)
    finally:
        server.close()


def softmax(z):
    return np.exp(z) / np.exp(z).sum(1, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def invoke_json(server, rows):
    body = json.dumps({"instances": [{"features": r.tolist()} for r in rows]}).encode()
    status, headers, answer = server.invoke(body, "application/json")
    assert status == 200, answer
    return json.loads(answer)["predictions"]


def test_binary_classifier_score_and_calibrated_threshold(tmp_path):
    weight, bias = write_ll_model(tmp_path, "binary_classifier", 1, "logistic", threshold=0.3)
    assert 0 < np.mean(sigmoid(ROWS @ weight[0] + bias[0]) >= 0.3) < 1   # both labels occur
    predictions = served_predictions(tmp_path)
    expected = sigmoid(ROWS.astype(np.float64) @ weight[0] + bias[0])
    assert all(list(p) == ["score", "predicted_label"] for p in predictions)
    np.testing.assert_allclose([p["score"] for p in predictions], expected, rtol=1e-6)
    assert [p["predicted_label"] for p in predictions] == [float(s >= 0.3) for s in
                                                            np.float32(expected)]


def test_multiclass_classifier_scores_every_class(tmp_path):
    weight, bias = write_ll_model(tmp_path, "multiclass_classifier", 3, "softmax_loss")
    predictions = served_predictions(tmp_path)
    z = ROWS.astype(np.float64) @ weight.T + bias
    expected = softmax(z)
    np.testing.assert_allclose([p["score"] for p in predictions], expected, rtol=1e-6, atol=1e-7)
    assert [p["predicted_label"] for p in predictions] == expected.argmax(1).astype(float).tolist()


def test_regressor_answers_a_score_only_and_no_csv(tmp_path):
    weight, bias = write_ll_model(tmp_path, "regressor", 1, "squared_loss")
    server = LiveServer(tmp_path, "linear-learner")
    try:
        predictions = invoke_json(server, ROWS)
        csv = "\n".join(",".join(map(str, r)) for r in ROWS).encode()
        status, headers, body = server.invoke(csv, "text/csv", "text/csv")
    finally:
        server.close()
    expected = ROWS.astype(np.float64) @ weight[0] + bias[0]
    assert all(list(p) == ["score"] for p in predictions)
    np.testing.assert_allclose([p["score"] for p in predictions], expected, rtol=1e-5, atol=1e-6)
    # linear learner writes no CSV: as the real one, it answers JSON (batch transform then fails)
    assert status == 200 and headers["content-type"] == "application/json"
    assert len(json.loads(body)["predictions"]) == len(ROWS)


def test_model_read_back_equals_the_one_written(tmp_path):
    weight, bias = write_ll_model(tmp_path, "binary_classifier", 1, "logistic", threshold=0.7)
    model = load_model(read_model(tmp_path / "model"))
    assert model.feature_dim == 4
    assert (model.threshold, model.output) == (0.7, "sigmoid")
    np.testing.assert_array_equal(model.weight, weight.T)
    np.testing.assert_array_equal(model.bias, bias)


@pytest.mark.parametrize("predictor_type, loss, outputs", [
    ("binary_classifier", "logistic", 1), ("regressor", "squared_loss", 1),
    ("multiclass_classifier", "softmax_loss", 3)])
def test_a_model_in_smemus_older_layout_is_still_served(tmp_path, predictor_type, loss, outputs):
    rng = np.random.default_rng(5)
    weight = rng.normal(size=(outputs, 4)).astype(np.float32)
    bias = rng.normal(size=outputs).astype(np.float32)
    write_older_smemu_model(tmp_path, predictor_type, loss, 0.4, weight, bias)
    predictions = served_predictions(tmp_path)
    z = ROWS.astype(np.float64) @ weight.T + bias
    if predictor_type == "multiclass_classifier":
        expected = softmax(z)
        np.testing.assert_allclose([p["score"] for p in predictions], expected, rtol=1e-6,
                                   atol=1e-7)
        return
    expected = sigmoid(z[:, 0]) if predictor_type == "binary_classifier" else z[:, 0]
    np.testing.assert_allclose([p["score"] for p in predictions], expected, rtol=1e-5, atol=1e-6)
    if predictor_type == "binary_classifier":
        assert [p["predicted_label"] for p in predictions] == [
            float(s >= 0.4) for s in np.float32(expected)]


def test_a_kmeans_model_is_not_a_linear_learner_model():
    with pytest.raises(CustomerError, match="not a linear learner model"):
        load_model(ModelArtifact(arrays=[np.zeros((3, 4), np.float32)]))


@pytest.mark.slow
def test_a_trained_binary_classifier_is_served(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(600, 5)) * [1, 10, 0.1, 3, 1] + [0, 50, 0, -2, 0]
    y = ((x[:, 0] + 0.2 * (x[:, 1] - 50) - 0.5 * x[:, 3]) > 0.5).astype(float)
    (tmp_path / "train").mkdir()
    np.savetxt(tmp_path / "train" / "train.csv", np.column_stack([y, x]), delimiter=",",
               fmt="%.6f")
    subprocess.run(
        [sys.executable, "-m", "smemu", "train", "--quiet", "--name", "ll-serve",
         "--algorithm", "linear-learner", "--channel",
         f"train=file://{tmp_path}/train/,content-type=text/csv",
         "--hyperparameters", "predictor_type=binary_classifier,feature_dim=5,epochs=5",
         "--output", f"file://{tmp_path}/output", "--jobs-root", str(tmp_path / "jobs")],
        check=True, timeout=600)
    tarball = tmp_path / "output" / "ll-serve" / "output" / "model.tar.gz"
    with tarfile.open(tarball) as archive:
        with zipfile.ZipFile(io.BytesIO(archive.extractfile("model_algo-1").read())) as zf:
            params = load_ndarrays(io.BytesIO(zf.read("mx-mod-0000.params")))
    w, b = params["arg:fc0_weight"].astype(np.float64), params["arg:fc0_bias"].astype(np.float64)
    rows = x[:200].astype(np.float32)
    with LocalEndpoint(str(tarball), "linear-learner", port=0) as endpoint:
        body = "\n".join(",".join(repr(float(v)) for v in r) for r in rows).encode()
        request = urllib.request.Request(endpoint.url + "/invocations", data=body,
                                         headers={"Content-Type": "text/csv"})
        with urllib.request.urlopen(request, timeout=30) as response:
            predictions = json.loads(response.read())["predictions"]
    scores = np.array([p["score"] for p in predictions])
    np.testing.assert_allclose(scores, sigmoid(rows.astype(np.float64) @ w[:, 0] + b[0, 0]),
                               rtol=1e-5, atol=1e-6)
    accuracy = np.mean(np.array([p["predicted_label"] for p in predictions]) == y[:200])
    assert accuracy > 0.9


def test_a_model_without_additional_params_is_read_from_its_symbol():
    # the kind comes from the symbol's output layer; a binary classifier's threshold is then 0.5
    symbol, _ = module_symbol("logistic", 4, 1)
    weight, bias = np.array([[1.0], [-1.0], [0.0], [0.0]], np.float32), np.zeros((1, 1), np.float32)
    model = load_model(ModelArtifact(arrays={"arg:fc0_weight": weight, "arg:fc0_bias": bias},
                                     layout="mxnet-module", symbol=symbol, manifest={}))
    out = model.predict(np.array([[2, 0, 0, 0], [0, 2, 0, 0]], np.float32))
    np.testing.assert_allclose(out["score"], sigmoid(np.array([2.0, -2.0])), rtol=1e-6)
    np.testing.assert_array_equal(out["predicted_label"], [1.0, 0.0])
    symbol, _ = module_symbol("squared_loss", 4, 1)
    regressor = load_model(ModelArtifact(arrays={"arg:fc0_weight": weight, "arg:fc0_bias": bias},
                                         layout="mxnet-module", symbol=symbol))
    assert regressor.output_names == ("score",)
