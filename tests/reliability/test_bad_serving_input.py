"""Inputs that made a serving container answer 200 with NaN in its JSON, or 500: each is a 400
naming the record (tests issue 14, items 7 and 8)."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "serving"))
from serving_helpers import LiveServer, write_kmeans_model  # noqa: E402

CENTROIDS = np.random.default_rng(7).normal(size=(5, 3)).astype(np.float32) * 3


@pytest.fixture(scope="module")
def kmeans_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("kmeans")
    write_kmeans_model(root, CENTROIDS)
    server = LiveServer(root, "kmeans")
    yield server
    server.close()


@pytest.mark.parametrize("body,content_type,where", [
    (b"1,2,3\n1,nan,3\n", "text/csv", "line 2"),
    (b"1,2,3\ninf,2,3\n", "text/csv", "line 2"),
    (b"1e400,2,3\n", "text/csv", "line 1"),
    (b"1e39,2,3\n", "text/csv", "line 1"),                # past float32: infinity
    (b'{"instances": [{"features": [1, 2, 3]}, {"features": [NaN, 2, 3]}]}',
     "application/json", "instances[1]"),
    (b'{"instances": [{"features": [Infinity, 2, 3]}]}', "application/json", "instances[0]"),
    (b'{"features": [1, 2, 3]}\n{"features": [1, 2, -Infinity]}\n', "application/jsonlines",
     "line 2"),
    (b'{"instances": [{"data": {"features": {"keys": [0, 2], "shape": [3], '
     b'"values": [1.0, NaN]}}}]}', "application/json", "instances[0]"),
])
def test_non_finite_values_are_a_400_naming_the_record(kmeans_server, body, content_type, where):
    status, headers, answer = kmeans_server.invoke(body, content_type, "application/json")
    assert status == 400, answer
    assert where.encode() in answer and b"finite" in answer


def test_finite_values_still_score(kmeans_server):
    status, _, answer = kmeans_server.invoke(b"1,2,3\n", "text/csv", "application/json")
    assert status == 200
    distance = json.loads(answer)["predictions"][0]["distance_to_cluster"]
    assert np.isfinite(distance)


def test_deeply_nested_json_is_a_400(kmeans_server):
    body = b'{"instances": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    status, _, answer = kmeans_server.invoke(body, "application/json", "application/json")
    assert status == 400 and b"too deeply" in answer
    line = b"[" * 100000 + b"]" * 100000 + b"\n"
    status, _, answer = kmeans_server.invoke(line, "application/jsonlines", "application/json")
    assert status == 400 and b"too deeply" in answer


def test_a_huge_sparse_shape_is_a_400(kmeans_server):
    body = json.dumps({"instances": [{"data": {"features": {
        "keys": [10**18], "shape": [10**19], "values": [1.0]}}}]}).encode()
    status, _, answer = kmeans_server.invoke(body, "application/json", "application/json")
    assert status == 400 and b"shape" in answer and b"instances[0]" in answer
