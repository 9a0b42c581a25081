"""XGBoost end to end through the job runner, against the xgboost library called directly: the same
model as ``xgboost.train`` on the same data (CSV, LIBSVM, RecordIO-protobuf; File and Pipe mode;
csv_weights), the round lines and FinalMetricDataList, early stopping, and the container's errors
for bad hyperparameters and bad labels."""

from __future__ import annotations

import re
import tarfile

import numpy as np
import pytest
import xgboost as xgb

from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.formats import write_recordio_protobuf

from jobdata import channel, request

# xgboost 3 guesses the format of a file named without an extension, and says so
pytestmark = pytest.mark.filterwarnings("ignore:.*Unknown file format")

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
PARAMS = {"objective": "reg:squarederror", "max_depth": 3, "eta": 0.3, "seed": 0, "nthread": 1}


def regression_data(n, seed, width=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, width)).astype(np.float32)
    y = (X @ rng.normal(size=width) + 0.1 * rng.normal(size=n)).astype(np.float32)
    return X, y


def write_csv(path, X, y, w=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [y] + ([w] if w is not None else []) + [X]
    np.savetxt(path, np.column_stack(columns), delimiter=",", fmt="%.9g")


def write_libsvm(path, X, y, one_based=True):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        for label, row in zip(y, X):
            cells = " ".join(f"{j + one_based}:{v:.9g}" for j, v in enumerate(row) if v != 0)
            f.write(f"{label:.9g} {cells}\n")


def run(tmp_path, name, channels, mode="File", **hyperparameters):
    req = request(name, channels, mode=mode,
                  OutputDataConfig={"S3OutputPath": (tmp_path / "out").as_uri()})
    req["AlgorithmSpecification"]["TrainingImage"] = IMAGE
    req["HyperParameters"] = {k: str(v) for k, v in hyperparameters.items()}
    lines = []
    record = run_job(TrainingJobSpec.from_request(req), store=JobStore(tmp_path / "store"),
                     on_log=lines.append)
    return record, lines


def booster_of(tmp_path, name):
    with tarfile.open(tmp_path / "out" / name / "output" / "model.tar.gz") as tar:
        assert tar.getnames() == ["xgboost-model"]
        tar.extractall(tmp_path / "model" / name, filter="data")
    booster = xgb.Booster()
    booster.load_model(str(tmp_path / "model" / name / "xgboost-model"))   # as users load it
    return booster


def reference(X, y, rounds, w=None, **extra):
    dtrain = xgb.DMatrix(X, label=y, weight=w)
    return xgb.train({**PARAMS, **extra}, dtrain, num_boost_round=rounds)


def hyper(**extra):
    return {**PARAMS, **extra}


@pytest.mark.parametrize("mode", ["File", "Pipe"])
@pytest.mark.parametrize("fmt", ["csv", "libsvm", "pbr"])
def test_same_model_as_xgboost_train(tmp_path, mode, fmt):
    X, y = regression_data(400, 1)
    Xv, yv = regression_data(100, 2)
    chans = []
    for name, (features, labels) in {"train": (X, y), "validation": (Xv, yv)}.items():
        path = tmp_path / "data" / name / f"part-0.{fmt}"
        if fmt == "csv":
            write_csv(path, features, labels)
        elif fmt == "libsvm":
            write_libsvm(path, features, labels)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_recordio_protobuf(str(path), features, labels)
        content_type = {"csv": "text/csv", "libsvm": "text/libsvm",
                        "pbr": "application/x-recordio-protobuf"}[fmt]
        chans.append(channel(name, (tmp_path / "data" / name).as_uri() + "/", content_type))
    job = f"xgb-{fmt}-{mode.lower()}"
    record, lines = run(tmp_path, job, chans, mode=mode, num_round=8, **hyper())
    if (fmt, mode) == ("libsvm", "Pipe"):          # the container reads LIBSVM from files only
        assert record["TrainingJobStatus"] == "Failed"
        assert record["FailureReason"] == \
            "ClientError: Pipe mode not supported for LibSVM. (channel 'train')"
        return
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")

    booster = booster_of(tmp_path, job)
    expected = reference(X, y, 8).predict(xgb.DMatrix(Xv))
    np.testing.assert_allclose(booster.predict(xgb.DMatrix(Xv)), expected, rtol=0, atol=1e-6)

    rounds = [line for line in lines if re.match(r"\[\d+\]#011", line)]
    assert len(rounds) == 8 and rounds[0].startswith("[0]#011train-rmse:")
    assert "#011validation-rmse:" in rounds[-1]
    final = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    last_validation = float(rounds[-1].rsplit("validation-rmse:", 1)[1])
    assert final["validation:rmse"] == pytest.approx(last_validation)
    assert set(final) == {"train:rmse", "validation:rmse"}


@pytest.mark.parametrize("mode", ["File", "Pipe"])
def test_parquet_channels(tmp_path, mode):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq
    X, y = regression_data(300, 12)
    path = tmp_path / "data" / "train" / "part-0.parquet"
    path.parent.mkdir(parents=True)
    columns = {"label": y, **{f"f{j}": X[:, j] for j in range(X.shape[1])}}
    pq.write_table(pa.table(columns), path, row_group_size=100)
    chans = [channel("train", (tmp_path / "data" / "train").as_uri() + "/",
                     "application/x-parquet")]
    record, _ = run(tmp_path, f"xgb-parquet-{mode.lower()}", chans, mode=mode, num_round=4,
                    **hyper())
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    got = booster_of(tmp_path, f"xgb-parquet-{mode.lower()}").predict(xgb.DMatrix(X))
    np.testing.assert_allclose(got, reference(X, y, 4).predict(xgb.DMatrix(X)), atol=1e-6)


def test_csv_weights_are_the_second_column(tmp_path):
    X, y = regression_data(300, 3)
    w = np.random.default_rng(4).uniform(0.1, 3.0, size=300).astype(np.float32)
    write_csv(tmp_path / "data" / "train" / "a.csv", X, y, w)
    chans = [channel("train", (tmp_path / "data" / "train").as_uri() + "/", "csv")]
    record, _ = run(tmp_path, "xgb-weights", chans, num_round=5, csv_weights=1, **hyper())
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    got = booster_of(tmp_path, "xgb-weights").predict(xgb.DMatrix(X))
    np.testing.assert_allclose(got, reference(X, y, 5, w=w).predict(xgb.DMatrix(X)), atol=1e-6)
    unweighted = reference(X, y, 5).predict(xgb.DMatrix(X))
    assert np.abs(got - unweighted).max() > 1e-3      # the weights did change the model


def test_a_channel_without_content_type_is_libsvm(tmp_path):
    X, y = regression_data(200, 5)
    write_libsvm(tmp_path / "data" / "train" / "train.libsvm", X, y)
    chans = [channel("train", (tmp_path / "data" / "train").as_uri() + "/", None)]
    record, _ = run(tmp_path, "xgb-default-type", chans, num_round=3, **hyper())
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    got = booster_of(tmp_path, "xgb-default-type").predict(xgb.DMatrix(X))
    np.testing.assert_allclose(got, reference(X, y, 3).predict(xgb.DMatrix(X)), atol=1e-6)


def test_early_stopping_keeps_the_best_round(tmp_path):
    X, y = regression_data(300, 6)
    Xv, yv = regression_data(200, 7)         # a different function: validation stops improving
    write_csv(tmp_path / "data" / "train" / "t.csv", X, y)
    write_csv(tmp_path / "data" / "validation" / "v.csv", Xv, yv)
    chans = [channel(n, (tmp_path / "data" / n).as_uri() + "/", "text/csv")
             for n in ("train", "validation")]
    record, lines = run(tmp_path, "xgb-early", chans, num_round=200, early_stopping_rounds=3,
                        eval_metric="rmse", **hyper())
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    rounds = [line for line in lines if re.match(r"\[\d+\]#011", line)]
    assert len(rounds) < 200
    scores = [float(line.rsplit("validation-rmse:", 1)[1]) for line in rounds]
    best = int(np.argmin(scores))
    assert len(rounds) == best + 4                 # three rounds without improvement, then stop
    booster = booster_of(tmp_path, "xgb-early")
    assert booster.num_boosted_rounds() == best + 1
    rmse = float(np.sqrt(np.mean((booster.predict(xgb.DMatrix(Xv)) - yv) ** 2)))
    assert rmse == pytest.approx(scores[best], abs=1e-4)


def test_hyperparameter_errors_are_the_containers(tmp_path):
    X, y = regression_data(50, 8)
    write_csv(tmp_path / "data" / "train" / "t.csv", X, y)
    chans = [channel("train", (tmp_path / "data" / "train").as_uri() + "/", "text/csv")]
    record, _ = run(tmp_path, "xgb-missing", chans, eta="0.3")
    assert record["TrainingJobStatus"] == "Failed"
    assert "Missing required hyperparameter: num_round" in record["FailureReason"]
    record, _ = run(tmp_path, "xgb-softmax", chans, num_round=2, objective="multi:softmax")
    assert "Require input for parameter 'num_class' for multi-classification" in \
        record["FailureReason"]


def test_labels_outside_the_objective_fail_naming_the_line(tmp_path):
    X, y = regression_data(50, 9)
    labels = (y > 0).astype(np.float32)
    labels[6] = 2.0
    write_csv(tmp_path / "data" / "train" / "t.csv", X, labels)
    chans = [channel("train", (tmp_path / "data" / "train").as_uri() + "/", "text/csv")]
    record, _ = run(tmp_path, "xgb-labels", chans, num_round=2, objective="binary:logistic")
    assert record["TrainingJobStatus"] == "Failed"
    reason = record["FailureReason"]
    assert reason.startswith("ClientError:") and "line 7 of file" in reason
    assert "label must be in [0,1] for logistic regression" in reason


def test_gpu_hist_trains_with_hist_on_the_cpu(tmp_path):
    X, y = regression_data(200, 13)
    write_csv(tmp_path / "data" / "train" / "t.csv", X, y)
    chans = [channel("train", (tmp_path / "data" / "train").as_uri() + "/", "text/csv")]
    record, lines = run(tmp_path, "xgb-gpu", chans, num_round=3, **hyper(tree_method="gpu_hist"))
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    assert any("trains with tree_method 'hist' on the CPU" in line for line in lines)
    got = booster_of(tmp_path, "xgb-gpu").predict(xgb.DMatrix(X))
    np.testing.assert_allclose(got, reference(X, y, 3, tree_method="hist").predict(
        xgb.DMatrix(X)), atol=1e-6)


def test_readme_example_job(tmp_path):
    """examples/xgboost-job.json as README runs it: early stopping on validation:auc, a model
    that separates the held-out breast-cancer records."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from sklearn.metrics import roc_auc_score

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "examples", tmp_path / "examples",
                    ignore=shutil.ignore_patterns("output"))
    done = subprocess.run([sys.executable, "-m", "smemu", "train", "--job", "xgboost-job.json"],
                          cwd=tmp_path / "examples", capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, SMEMU_HOME=str(tmp_path / "home")))
    assert done.returncode == 0, done.stderr
    rounds = [line for line in done.stdout.splitlines() if re.match(r"\[\d+\]#011", line)]
    assert 10 < len(rounds) < 100                       # early stopping ended it
    assert "validation:auc=" in done.stderr
    artifact = tmp_path / "examples/output/xgboost-example/output/model.tar.gz"
    with tarfile.open(artifact) as tar:
        model = tar.extractfile("xgboost-model").read()
    booster = xgb.Booster()
    booster.load_model(bytearray(model))
    data = np.loadtxt(root / "examples/data/xgboost/validation/validation.csv", delimiter=",")
    scores = booster.predict(xgb.DMatrix(data[:, 1:]))
    assert roc_auc_score(data[:, 0], scores) > 0.95


def test_ranking_with_query_ids(tmp_path):
    rng = np.random.default_rng(14)
    X = rng.normal(size=(120, 4)).astype(np.float32)
    y = np.clip(np.round(X[:, 0] + 1), 0, 3).astype(np.float32)
    qid = np.repeat(np.arange(12), 10)
    path = tmp_path / "data" / "train" / "rank.libsvm"
    path.parent.mkdir(parents=True)
    path.write_text("".join(
        f"{label:g} qid:{q} " + " ".join(f"{j + 1}:{v:.9g}" for j, v in enumerate(row)) + "\n"
        for label, q, row in zip(y, qid, X)))
    chans = [channel("train", (tmp_path / "data" / "train").as_uri() + "/", "libsvm")]
    record, lines = run(tmp_path, "xgb-rank", chans, num_round=4, objective="rank:pairwise",
                        eval_metric="ndcg", max_depth=3, seed=0, nthread=1)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    assert any("#011train-ndcg:" in line for line in lines)
    expected = xgb.train({"objective": "rank:pairwise", "eval_metric": "ndcg", "max_depth": 3,
                          "seed": 0, "nthread": 1}, xgb.DMatrix(X, label=y, qid=qid), 4)
    got = booster_of(tmp_path, "xgb-rank").predict(xgb.DMatrix(X))
    np.testing.assert_allclose(got, expected.predict(xgb.DMatrix(X)), atol=1e-6)
