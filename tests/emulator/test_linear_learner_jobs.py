"""Linear Learner end to end through the job runner: train/validation/test channels in File and
Pipe mode, CSV and RecordIO-protobuf (dense and sparse), metrics in FinalMetricDataList, the
model zip in model.tar.gz, and bad labels failing the job with a ClientError."""

from __future__ import annotations

import tarfile

import numpy as np
import pytest
import scipy.sparse as sp

from smemu.algorithms.base import ModelArtifact
from smemu.algorithms.linear_learner.inference import predict
from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.formats import write_recordio_protobuf
from smemu.formats.mxnet_checkpoint import read_module_zip

from jobdata import channel, request

IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"


def run(tmp_path, name, channels, mode="File", **hyperparameters):
    req = request(name, channels, mode=mode,
                  OutputDataConfig={"S3OutputPath": (tmp_path / "out").as_uri()})
    req["AlgorithmSpecification"]["TrainingImage"] = IMAGE
    req["HyperParameters"] = {k: str(v) for k, v in hyperparameters.items()}
    return run_job(TrainingJobSpec.from_request(req), store=JobStore(tmp_path / "store"))


def model_of(tmp_path, name):
    with tarfile.open(tmp_path / "out" / name / "output" / "model.tar.gz") as tar:
        assert tar.getnames() == ["model_algo-1"]
        tar.extractall(tmp_path / "model" / name, filter="data")
    symbol, arrays, params = read_module_zip(tmp_path / "model" / name / "model_algo-1")
    return ModelArtifact(arrays=arrays, layout="mxnet-module", symbol=symbol, manifest=params)


def binary_data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6)).astype(np.float32) * np.float32([1, 5, 0.2, 1, 3, 1])
    y = ((X / [1, 5, 0.2, 1, 3, 1]) @ np.array([2.0, -1.0, 1.5, 0.0, 1.0, -2.0])
         + rng.normal(0, 0.3, n) > 0.5).astype(np.float32)
    return X, y


def write(fmt, path, X, y):
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        dense = X.toarray() if sp.issparse(X) else X
        np.savetxt(path.with_suffix(".csv"), np.column_stack([y, dense]), delimiter=",",
                   fmt="%.6g")
    else:
        write_recordio_protobuf(str(path.with_suffix(".pbr")), X, y)


CONTENT_TYPE = {"csv": "text/csv", "pbr": None}  # no ContentType = RecordIO-protobuf


@pytest.mark.parametrize("mode", ["File", "Pipe"])
@pytest.mark.parametrize("fmt", ["csv", "pbr"])
def test_binary_job_with_validation_and_test_channels(tmp_path, mode, fmt):
    data = {"train": binary_data(1500, 1), "validation": binary_data(400, 2),
            "test": binary_data(400, 3)}
    chans = []
    for name, (X, y) in data.items():
        write(fmt, tmp_path / "data" / name / "part-0", X, y)
        chans.append(channel(name, (tmp_path / "data" / name).as_uri() + "/", CONTENT_TYPE[fmt]))
    job = f"ll-{mode.lower()}-{fmt}"
    record = run(tmp_path, job, chans, mode=mode, predictor_type="binary_classifier",
                 mini_batch_size=100, epochs=5, num_models=4)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")

    model = model_of(tmp_path, job)
    assert model.arrays["arg:fc0_weight"].shape == (6, 1)
    assert model.symbol["nodes"][-1]["op"] == "LogisticRegressionOutput"
    X, y = data["test"]
    _, label = predict(model, X)
    accuracy = float((label == y).mean())
    assert accuracy > 0.9

    metrics = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    assert {"train:objective_loss", "validation:objective_loss", "test:objective_loss",
            "test:binary_f_beta", "test:precision", "test:recall", "train:progress",
            "validation:binary_classification_accuracy"} <= set(metrics)
    assert metrics["test:binary_classification_accuracy"] == pytest.approx(accuracy, abs=1e-6)
    assert metrics["train:progress"] == 100.0
    # with a validation channel the real job prints no final train objective
    assert "train:objective_loss:final" not in metrics and "train:mse" not in metrics


def test_sparse_regression_job(tmp_path):
    rng = np.random.default_rng(5)
    X = sp.random(3000, 40, density=0.2, format="csr", random_state=5, dtype=np.float32)
    w = rng.normal(size=40)
    y = (X @ w + 7.0 + rng.normal(0, 0.05, 3000)).astype(np.float32)
    write("pbr", tmp_path / "data" / "train" / "part-0", X[:2500], y[:2500])
    write("pbr", tmp_path / "data" / "test" / "part-0", X[2500:], y[2500:])
    chans = [channel(n, (tmp_path / "data" / n).as_uri() + "/", None) for n in ("train", "test")]
    record = run(tmp_path, "ll-sparse", chans, predictor_type="regressor", mini_batch_size=100,
                 epochs=15, num_models=4)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    model = model_of(tmp_path, "ll-sparse")
    np.testing.assert_allclose(model.arrays["arg:fc0_weight"][:, 0], w, atol=0.1)
    metrics = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    predictions, _ = predict(model, X[2500:])
    assert metrics["test:mse"] == pytest.approx(float(((predictions - y[2500:]) ** 2).mean()),
                                                rel=1e-3)
    assert metrics["test:mse"] < 0.05
    # no validation channel: the chosen model is scored on train, whose objective is the final one
    assert metrics["train:objective_loss:final"] == metrics["train:mse"]
    assert {"train:absolute_loss", "train:objective_loss"} <= set(metrics)
    assert metrics["test:mse"] == float(np.float32(metrics["test:mse"]))     # stored as float32


def test_multiclass_csv_job(tmp_path):
    rng = np.random.default_rng(6)
    centres = rng.normal(0, 4, size=(4, 5))
    y = rng.integers(0, 4, 2000)
    X = (centres[y] + rng.normal(size=(2000, 5))).astype(np.float32)
    write("csv", tmp_path / "data" / "train" / "part-0", X[:1500], y[:1500])
    write("csv", tmp_path / "data" / "test" / "part-0", X[1500:], y[1500:])
    chans = [channel(n, (tmp_path / "data" / n).as_uri() + "/", "text/csv")
             for n in ("train", "test")]
    record = run(tmp_path, "ll-multi", chans, predictor_type="multiclass_classifier",
                 num_classes=4, mini_batch_size=100, epochs=5, num_models=4)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    model = model_of(tmp_path, "ll-multi")
    assert model.arrays["arg:fc0_weight"].shape == (5, 4)
    metrics = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    _, label = predict(model, X[1500:])
    assert metrics["test:multiclass_accuracy"] == pytest.approx(float((label == y[1500:]).mean()))
    assert metrics["test:multiclass_accuracy"] > 0.9
    assert {"test:macro_f_beta", "test:multiclass_top_k_accuracy", "test:dcg"} <= set(metrics)


@pytest.mark.parametrize("hyperparameters, label, words", [
    ({"predictor_type": "binary_classifier"}, 3, ["label 3.0", "line 58 of file", "0 or 1"]),
    ({"predictor_type": "multiclass_classifier", "num_classes": 3}, 5,
     ["label 5.0", "line 58 of file", "0 to 2"]),
])
def test_bad_label_fails_the_job_naming_the_line(tmp_path, hyperparameters, label, words):
    X, y = binary_data(200, 7)
    y[57] = label
    write("csv", tmp_path / "data" / "train" / "part-0", X, y)
    path = tmp_path / "data" / "train" / "part-0.csv"
    before = path.read_bytes()
    record = run(tmp_path, "ll-bad", [channel("train", (tmp_path / "data" / "train").as_uri() + "/",
                                              "text/csv")], **hyperparameters)
    assert record["TrainingJobStatus"] == "Failed"
    reason = record["FailureReason"]
    assert reason.startswith("ClientError: ") and "Traceback" not in reason
    for word in words:
        assert word in reason
    assert "part-0.csv" in reason
    assert path.read_bytes() == before


def test_wrong_loss_for_the_predictor_fails_before_training(tmp_path):
    X, y = binary_data(100, 8)
    write("csv", tmp_path / "data" / "train" / "part-0", X, y)
    record = run(tmp_path, "ll-badhp", [channel("train", (tmp_path / "data" / "train").as_uri()
                                                + "/", "text/csv")],
                 predictor_type="regressor", loss="logistic")
    assert record["TrainingJobStatus"] == "Failed"
    assert record["FailureReason"].startswith("ClientError: ")
    assert "loss='logistic'" in record["FailureReason"] and "regressor" in record["FailureReason"]


def test_pipe_mode_with_early_stopping_and_selection_on_train(tmp_path):
    # no validation channel: early stopping leaves FIFOs unread, and choosing the model and its
    # threshold takes further passes over train
    X, y = binary_data(1000, 9)
    write("pbr", tmp_path / "data" / "train" / "part-0", X, y)
    record = run(tmp_path, "ll-pipe-train-only",
                 [channel("train", (tmp_path / "data" / "train").as_uri() + "/", None)],
                 mode="Pipe", predictor_type="binary_classifier", mini_batch_size=100, epochs=40,
                 early_stopping_patience=1, early_stopping_tolerance=0.05, num_models=3)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    metrics = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    assert metrics["train:progress"] < 100.0  # stopped early
    _, label = predict(model_of(tmp_path, "ll-pipe-train-only"), X)
    assert float((label == y).mean()) > 0.85
