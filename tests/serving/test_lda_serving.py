"""An LDA model served as the built-in serves it: ``topic_mixture`` per document for CSV, JSON
(dense and sparse), JSON Lines and RecordIO-protobuf requests; no CSV answers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from serving_helpers import LiveServer

from smemu.algorithms.lda.inference import load_model
from smemu.algorithms.topic_models.corpus import synthetic_corpus
from smemu.formats import save_ndarrays


@pytest.fixture(scope="module")
def corpus():
    return synthetic_corpus(np.random.default_rng(5), k=3, vocabulary=12, documents=40)


@pytest.fixture
def server(tmp_path, corpus):
    (tmp_path / "model").mkdir()
    save_ndarrays(str(tmp_path / "model" / "model_algo-1"),
                  [np.full(3, 0.1, np.float32), corpus.topics.astype(np.float32)])
    live = LiveServer(tmp_path, "lda")
    yield live
    live.close()


def _mixtures(body):
    return np.array([p["topic_mixture"] for p in json.loads(body)["predictions"]])


def test_json_csv_and_sparse_requests_agree(server, corpus):
    docs = corpus.counts[:5]
    expected = load_model([np.full(3, 0.1), corpus.topics]).predict(docs)["topic_mixture"]
    csv = "\n".join(",".join(str(int(v)) for v in row) for row in docs).encode()
    status, headers, body = server.invoke(csv, "text/csv", "application/json")
    assert status == 200 and headers["content-type"] == "application/json"
    np.testing.assert_allclose(_mixtures(body), expected, rtol=1e-5)
    # each document's dominant topic is the one it was mostly drawn from
    assert (_mixtures(body).argmax(axis=1) == corpus.dominant[:5]).mean() >= 0.8
    sparse = {"instances": [{"data": {"features": {
        "keys": np.flatnonzero(row).tolist(), "values": row[row > 0].tolist(),
        "shape": [12]}}} for row in docs]}
    status, _, body = server.invoke(json.dumps(sparse).encode(), "application/json")
    assert status == 200
    np.testing.assert_allclose(_mixtures(body), expected, rtol=1e-5)
    lines = "\n".join(json.dumps({"features": row.tolist()}) for row in docs).encode()
    status, _, body = server.invoke(lines, "application/jsonlines", "application/jsonlines")
    got = np.array([json.loads(line)["topic_mixture"] for line in body.splitlines()])
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_csv_accept_is_answered_with_json(server, corpus):
    csv = ",".join(str(int(v)) for v in corpus.counts[0]).encode()
    status, headers, body = server.invoke(csv, "text/csv", "text/csv")
    assert status == 200 and headers["content-type"] == "application/json"
    assert len(_mixtures(body)[0]) == 3


def test_wrong_vocabulary_size_is_a_400(server):
    status, _, body = server.invoke(b"1,2,3", "text/csv")
    assert status == 400 and b"does not match" in body
