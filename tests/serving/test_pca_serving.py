"""PCA models served: {"projections": [{"projection": [...]}]} (JSON), one {"projection": [...]}
a line (JSON Lines), RecordIO label['projection']; projection = (x - mean)·v, with v and mean
read straight from model_algo-1 (written as the real PCA writes it, an mx.nd.save dict)."""

import io
import json
import logging

import numpy as np
import pytest
from serving_helpers import LiveServer

from smemu.formats import read_recordio, save_ndarrays
from smemu.proto import record_pb2

RNG = np.random.default_rng(5)
V = np.linalg.qr(RNG.normal(size=(6, 3)))[0].astype(np.float32)
MEAN = RNG.normal(size=(1, 6)).astype(np.float32)
S = np.array([1.0, 2.0, 5.0], np.float32)
ROWS = RNG.normal(size=(7, 6)).astype(np.float32)


@pytest.fixture
def pca_server(tmp_path):
    (tmp_path / "model").mkdir()
    save_ndarrays(str(tmp_path / "model" / "model_algo-1"), {"s": S, "v": V, "mean": MEAN})
    server = LiveServer(tmp_path, "pca")
    yield server
    server.close()


def expected():
    return (ROWS.astype(np.float64) - MEAN) @ V


def test_json_answers_projections(pca_server):
    body = json.dumps({"instances": [{"features": r.tolist()} for r in ROWS]}).encode()
    status, headers, answer = pca_server.invoke(body, "application/json", "application/json")
    assert status == 200, answer
    document = json.loads(answer)
    assert list(document) == ["projections"]
    got = np.array([p["projection"] for p in document["projections"]])
    np.testing.assert_allclose(got, expected(), rtol=1e-5, atol=1e-5)


def test_csv_request_jsonlines_answer(pca_server):
    body = "\n".join(",".join(repr(float(v)) for v in r) for r in ROWS).encode()
    status, _, answer = pca_server.invoke(body, "text/csv", "application/jsonlines")
    assert status == 200, answer
    lines = [json.loads(line) for line in answer.decode().splitlines()]
    assert all(list(line) == ["projection"] for line in lines)
    np.testing.assert_allclose([line["projection"] for line in lines], expected(), rtol=1e-5,
                               atol=1e-5)


def test_recordio_answer_puts_the_projection_in_the_label(pca_server):
    body = "\n".join(",".join(repr(float(v)) for v in r) for r in ROWS).encode()
    status, _, answer = pca_server.invoke(body, "text/csv", "application/x-recordio-protobuf")
    assert status == 200
    got = []
    for payload, _ in read_recordio(io.BytesIO(answer)):
        record = record_pb2.Record()
        record.ParseFromString(payload)
        assert set(record.label) == {"projection"}
        got.append(list(record.label["projection"].float32_tensor.values))
    np.testing.assert_allclose(got, expected(), rtol=1e-5, atol=1e-5)


def test_csv_accept_is_answered_in_json(pca_server):
    body = ",".join(repr(float(v)) for v in ROWS[0]).encode()
    status, headers, answer = pca_server.invoke(body, "text/csv", "text/csv")
    assert status == 200 and headers["content-type"] == "application/json"
    assert "projections" in json.loads(answer)


def test_wrong_width_is_a_400(pca_server, caplog):
    with caplog.at_level(logging.ERROR, logger="smemu.serving"):
        status, _, answer = pca_server.invoke(b"1,2,3", "text/csv")
    # the built-ins' body exactly; the detail is in the serving log
    assert status == 400 and answer == b"unable to evaluate payload provided"
    assert any("feature dimension of the input: 3" in m for m in caplog.messages)
