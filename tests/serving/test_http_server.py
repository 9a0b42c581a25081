"""The container's web server over real HTTP on loopback: /ping, /invocations in every content
type, the errors, the payload limit and concurrent requests. Answers are checked against the
centroids' own arithmetic."""

import io
import json
import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from serving_helpers import LiveServer, nearest

from smemu.formats import read_recordio, write_recordio_protobuf
from smemu.proto import record_pb2

ROWS = np.random.default_rng(11).normal(size=(40, 6)).astype(np.float32) * 3


def csv_body(rows):
    return "\n".join(",".join(repr(float(v)) for v in row) for row in rows).encode()


def assert_answers(centroids, rows, closest, distance):
    expected_closest, expected_distance = nearest(centroids, rows)
    np.testing.assert_array_equal(closest, expected_closest)
    np.testing.assert_allclose(distance, expected_distance, rtol=1e-6, atol=1e-6)


def test_ping_is_200_with_an_empty_body(kmeans_server):
    status, _, body = kmeans_server.request("GET", "/ping")
    assert (status, body) == (200, b"")


def test_csv_without_accept_answers_json(kmeans_server, centroids):
    status, headers, body = kmeans_server.invoke(csv_body(ROWS), "text/csv")
    assert status == 200 and headers["content-type"] == "application/json"
    predictions = json.loads(body)["predictions"]
    assert len(predictions) == len(ROWS)
    assert all(isinstance(p["closest_cluster"], float) for p in predictions)
    assert_answers(centroids, ROWS, [p["closest_cluster"] for p in predictions],
                   [p["distance_to_cluster"] for p in predictions])


def _request_bodies():
    dense = io.BytesIO()
    write_recordio_protobuf(dense, ROWS)
    return {
        "text/csv": csv_body(ROWS),
        "application/json": json.dumps(
            {"instances": [{"features": row.tolist()} for row in ROWS]}).encode(),
        "application/jsonlines": "\n".join(
            json.dumps({"data": {"features": {"values": row.tolist()}}}) for row in ROWS).encode(),
        "application/x-recordio-protobuf": dense.getvalue(),
    }


def _decode(body, accept):
    if accept == "application/json":
        rows = json.loads(body)["predictions"]
    elif accept == "application/jsonlines":
        rows = [json.loads(line) for line in body.decode().splitlines()]
    elif accept == "text/csv":
        rows = [dict(zip(("closest_cluster", "distance_to_cluster"), map(float, line.split(","))))
                for line in body.decode().splitlines()]
    else:
        rows = []
        for payload, _ in read_recordio(io.BytesIO(body)):
            record = record_pb2.Record()
            record.ParseFromString(payload)
            assert not record.features
            rows.append({k: v.float32_tensor.values[0] for k, v in record.label.items()})
    return [r["closest_cluster"] for r in rows], [r["distance_to_cluster"] for r in rows]


@pytest.mark.parametrize("content_type", list(_request_bodies()))
@pytest.mark.parametrize("accept", ["application/json", "application/jsonlines",
                                    "application/x-recordio-protobuf", "text/csv"])
def test_every_request_type_with_every_response_type(kmeans_server, centroids, content_type,
                                                     accept):
    status, headers, body = kmeans_server.invoke(_request_bodies()[content_type], content_type,
                                                 accept)
    assert status == 200, body
    assert headers["content-type"] == accept
    assert_answers(centroids, ROWS, *_decode(body, accept))


def test_wrong_width_is_400_with_the_builtins_body_and_the_detail_in_the_log(kmeans_server,
                                                                           caplog):
    with caplog.at_level(logging.ERROR, logger="smemu.serving"):
        status, _, body = kmeans_server.invoke(b"1,2,3\n", "text/csv")
    assert status == 400
    assert body == b"unable to evaluate payload provided"
    assert ("Customer Error: The feature dimension of the input: 3 does not match the feature "
            "dimension of the model: 6. Please fix the input and try again. (The first record "
            "is at line 1 of file <request body>.)") in caplog.messages


def test_unparsable_body_is_400_and_the_log_names_the_line(kmeans_server, caplog):
    with caplog.at_level(logging.ERROR, logger="smemu.serving"):
        status, _, body = kmeans_server.invoke(b"1,2,3,4,5,6\n1,2,3,4,5,six\n", "text/csv")
    assert status == 400 and body == b"unable to evaluate payload provided"
    assert any(m.startswith("Customer Error: Line 2, column 6") for m in caplog.messages)


def test_unsupported_content_type_is_415_and_accept_406(kmeans_server):
    status, _, body = kmeans_server.invoke(b"\x89PNG", "image/png")
    assert status == 415 and b"text/csv" in body
    status, _, body = kmeans_server.invoke(csv_body(ROWS[:1]), "text/csv", "application/xml")
    assert status == 406 and b"application/json" in body


def test_a_body_over_6_mb_is_413(kmeans_server):
    body = b"1.0,2.0,3.0,4.0,5.0,6.0\n" * (6 * 1024 * 1024 // 24 + 1)
    assert len(body) > 6 * 1024 * 1024
    status, _, message = kmeans_server.invoke(body, "text/csv")
    assert status == 413 and b"over the 6 MB" in message
    # just under the limit is served
    status, _, _ = kmeans_server.invoke(body[:6 * 1024 * 1024 - 24], "text/csv")
    assert status == 200


def test_payload_limit_follows_sagemaker_max_payload_in_mb(kmeans_root):
    server = LiveServer(kmeans_root, "kmeans", SAGEMAKER_MAX_PAYLOAD_IN_MB="1")
    try:
        body = b"1,2,3,4,5,6\n" * (1024 * 1024 // 12 + 1)
        assert server.invoke(body, "text/csv")[0] == 413
    finally:
        server.close()


def test_unknown_paths_and_methods(kmeans_server):
    assert kmeans_server.request("GET", "/nothing")[0] == 404
    assert kmeans_server.request("GET", "/invocations")[0] == 405
    assert kmeans_server.request("POST", "/ping")[0] == 405


def test_concurrent_requests_each_get_their_own_answer(kmeans_server, centroids):
    rng = np.random.default_rng(5)
    batches = [rng.normal(size=(int(rng.integers(1, 50)), 6)).astype(np.float32) * 3
               for _ in range(48)]

    def ask(rows):
        status, _, body = kmeans_server.invoke(csv_body(rows), "text/csv", "application/jsonlines")
        assert status == 200
        return _decode(body, "application/jsonlines")

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(ask, batches))
    for rows, (closest, distance) in zip(batches, answers):
        assert_answers(centroids, rows, closest, distance)


def test_a_fault_of_the_model_is_a_500_and_logged(kmeans_root):
    server = LiveServer(kmeans_root, "kmeans")

    def broken(features):
        raise RuntimeError("a bug")

    server.app.predictor.predict = broken
    logged = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = lambda record: logged.append(handler.format(record))
    logging.getLogger("smemu.serving").addHandler(handler)
    try:
        status, _, body = server.invoke(b"1,2,3,4,5,6\n", "text/csv")
    finally:
        logging.getLogger("smemu.serving").removeHandler(handler)
        server.close()
    assert status == 500 and b"see the log" in body
    assert any("RuntimeError: a bug" in line for line in logged)
