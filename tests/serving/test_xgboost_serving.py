"""XGBoost models served as the sagemaker-xgboost container serves them, checked against the
booster's own ``predict``: text/csv answered by default (one prediction a line), JSON
``{"predictions": [{"score": ...}]}``, multi:softprob vectors, LIBSVM and RecordIO-protobuf
requests, JSON requests refused with 415 as the container refuses them."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import xgboost as xgb
from serving_helpers import LiveServer

from smemu.formats import write_recordio_protobuf

ROWS = np.random.default_rng(3).normal(size=(20, 4)).astype(np.float32)


def write_xgboost_model(root, objective, **params):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 4)).astype(np.float32)
    if objective == "multi:softprob":
        y = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])
    elif objective == "binary:logistic":
        y = (X[:, 0] > 0).astype(np.float32)
    else:
        y = X @ np.array([1.0, -2.0, 0.5, 0.0])
    booster = xgb.train({"objective": objective, "max_depth": 3, **params},
                        xgb.DMatrix(X, label=y), num_boost_round=5)
    (root / "model").mkdir(parents=True, exist_ok=True)
    booster.save_model(str(root / "model" / "xgboost-model.json"))
    (root / "model" / "xgboost-model.json").rename(root / "model" / "xgboost-model")
    return booster


@pytest.fixture
def served(tmp_path, request):
    objective, params, *env = request.param
    booster = write_xgboost_model(tmp_path, objective, **params)
    server = LiveServer(tmp_path, "xgboost", **(env[0] if env else {}))
    yield booster, server
    server.close()


def csv_body(rows):
    return "\n".join(",".join(repr(float(v)) for v in row) for row in rows).encode()


@pytest.mark.parametrize("served", [("reg:squarederror", {})], indirect=True)
def test_csv_is_the_default_answer_one_prediction_a_line(served):
    booster, server = served
    status, headers, body = server.invoke(csv_body(ROWS), "text/csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert body.endswith(b"\n") and body.count(b"\n") == len(ROWS)   # csv.writer's rows
    got = np.array([float(line) for line in body.decode().splitlines()])
    np.testing.assert_allclose(got, booster.predict(xgb.DMatrix(ROWS)), rtol=1e-6)


@pytest.mark.parametrize("served", [("binary:logistic", {})], indirect=True)
def test_json_answer_and_libsvm_and_recordio_requests(served):
    booster, server = served
    expected = booster.predict(xgb.DMatrix(ROWS))
    status, _, body = server.invoke(csv_body(ROWS), "text/csv", accept="application/json")
    assert status == 200
    scores = [p["score"] for p in json.loads(body)["predictions"]]
    np.testing.assert_allclose(scores, expected, rtol=1e-6)

    # LIBSVM, 1-based indices, with and without a leading label (the container ignores it)
    lines = [" ".join(f"{j + 1}:{v!r}" for j, v in enumerate(map(float, row))) for row in ROWS]
    lines = [("1 " + line) if i % 2 else line for i, line in enumerate(lines)]
    status, _, body = server.invoke("\n".join(lines).encode(), "text/libsvm",
                                    accept="application/json")
    assert status == 200, body
    scores = [p["score"] for p in json.loads(body)["predictions"]]
    np.testing.assert_allclose(scores, expected, rtol=1e-6)

    buf = io.BytesIO()
    write_recordio_protobuf(buf, ROWS)
    status, _, body = server.invoke(buf.getvalue(), "application/x-recordio-protobuf")
    assert status == 200
    np.testing.assert_allclose([float(x) for x in body.split()], expected, rtol=1e-6)


@pytest.mark.parametrize("served", [("multi:softprob", {"num_class": 3})], indirect=True)
def test_softprob_answers_a_vector_per_record(served):
    booster, server = served
    expected = booster.predict(xgb.DMatrix(ROWS))
    assert expected.shape == (20, 3)
    status, _, body = server.invoke(csv_body(ROWS), "text/csv")
    assert status == 200
    got = np.array([[float(v) for v in line.split(",")] for line in body.decode().splitlines()])
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    status, _, body = server.invoke(csv_body(ROWS), "text/csv", accept="application/json")
    np.testing.assert_allclose([p["score"] for p in json.loads(body)["predictions"]],
                               expected, rtol=1e-6)


@pytest.mark.parametrize("served", [("reg:squarederror", {})], indirect=True)
def test_requests_the_container_refuses(served):
    booster, server = served
    body = json.dumps({"instances": [{"features": [1.0, 2.0, 3.0, 4.0]}]}).encode()
    status, _, answer = server.invoke(body, "application/json")
    assert status == 415 and b"text/libsvm" in answer
    status, _, answer = server.invoke(b"1,2,x,4", "text/csv")
    assert status == 415 and b"column 3" in answer
    status, _, answer = server.invoke(b"", "text/csv")
    assert status == 204 and answer == b""
    wide = np.column_stack([ROWS, ROWS[:, :1]])
    status, _, answer = server.invoke(csv_body(wide), "text/csv")
    assert status == 400 and b"5" in answer and b"4" in answer
    # fewer columns than the model's: xgboost reads the rest as missing, as the container does
    status, _, answer = server.invoke(csv_body(ROWS[:, :3]), "text/csv")
    assert status == 200
    np.testing.assert_allclose([float(x) for x in answer.split()],
                               booster.predict(xgb.DMatrix(ROWS[:, :3])), rtol=1e-6)


@pytest.mark.parametrize("served", [("multi:softprob", {"num_class": 3},
                                     {"SAGEMAKER_BATCH": "true"})], indirect=True)
def test_batch_transform_answers_a_prediction_a_line_whatever_the_accept(served):
    booster, server = served
    expected = booster.predict(xgb.DMatrix(ROWS))
    status, _, body = server.invoke(csv_body(ROWS), "text/csv", accept="application/json")
    assert status == 200
    lines = body.decode().splitlines()
    assert body.endswith(b"\n") and all(line.startswith("[") for line in lines)
    np.testing.assert_allclose([json.loads(line) for line in lines], expected, rtol=1e-6)
