"""A trained IP Insights model served as the built-in serves it: ``entity,ip`` text requests in
CSV, JSON and JSON Lines; ``dot_product``, plus the embeddings with ``verbose=True``; no RecordIO
requests; a malformed address is a 400 naming the record."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from serving_helpers import LiveServer

from smemu.algorithms import get_algorithm
from smemu.algorithms.ipinsights.inference import load_model
from smemu.algorithms.ipinsights.sample import synthetic_events
from smemu.algorithms.reporting import Reporter
from smemu.formats import save_ndarrays

sys.path.insert(0, str(Path(__file__).parent.parent / "algorithms"))
from channels import ArrayChannel  # noqa: E402  tests/algorithms/channels.py


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    rows = synthetic_events(np.random.default_rng(4), entities=30, events=600)
    algo = get_algorithm("ipinsights")
    config = algo.schema.resolve({"num_entity_vectors": "60", "vector_dim": "8", "epochs": "2",
                                  "mini_batch_size": "100"})
    artifact = algo.train(config, {"train": ArrayChannel(rows, content_type="text/csv")},
                          Reporter("AWS/IPInsights"))
    root = tmp_path_factory.mktemp("ipinsights")
    (root / "model").mkdir()
    save_ndarrays(str(root / "model" / "model_algo-1"), artifact.arrays)
    return root, load_model(artifact), rows[:4]


@pytest.fixture
def server(trained):
    live = LiveServer(trained[0], "ipinsights")
    yield live
    live.close()


def test_csv_json_and_jsonlines_requests(server, trained):
    _, model, rows = trained
    expected = model.predict(rows)
    csv = "\n".join(f"{e}, {ip}" for e, ip in rows).encode()   # the guide's example has spaces
    status, headers, body = server.invoke(csv, "text/csv")
    assert status == 200 and headers["content-type"] == "application/json"
    predictions = json.loads(body)["predictions"]
    assert [set(p) for p in predictions] == [{"dot_product"}] * 4
    np.testing.assert_allclose([p["dot_product"] for p in predictions],
                               expected["dot_product"], rtol=1e-5)
    instances = {"instances": [{"data": {"features": {"values": list(rows[0])}}},
                               {"features": list(rows[1])}]}
    status, _, body = server.invoke(json.dumps(instances).encode(), "application/json",
                                    "application/json;verbose=True")
    assert status == 200
    first = json.loads(body)["predictions"][0]
    assert set(first) == {"dot_product", "entity_embedding", "ip_embedding"}
    np.testing.assert_allclose(first["entity_embedding"], expected["entity_embedding"][0],
                               rtol=1e-5)
    lines = "\n".join(json.dumps({"features": list(r)}) for r in rows).encode()
    status, _, body = server.invoke(lines, "application/jsonlines", "application/jsonlines")
    got = [json.loads(line)["dot_product"] for line in body.splitlines()]
    np.testing.assert_allclose(got, expected["dot_product"], rtol=1e-5)


def test_bad_requests(server):
    status, _, body = server.invoke(b"user_1,10.0.0.1\nuser_2,10.0.0.999\n", "text/csv")
    assert status == 400 and b"malformed IP address '10.0.0.999' at record 2" in body
    status, _, body = server.invoke(b"user_1\n", "text/csv")
    assert status == 400 and b"Line 1 of file <request body>" in body
    status, _, _ = server.invoke(b"\x0a\x23\xd7\xce", "application/x-recordio-protobuf")
    assert status == 415
    status, _, body = server.invoke(b'{"instances": [{"features": [1, 2]}]}', "application/json")
    assert status == 400 and b"strings" in body
