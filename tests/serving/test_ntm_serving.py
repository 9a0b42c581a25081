"""A trained NTM model served as the built-in serves it: ``topic_weights`` per document, the same
for CSV, sparse JSON and RecordIO-protobuf requests as the model's own predict."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from serving_helpers import LiveServer

from smemu.algorithms import get_algorithm
from smemu.algorithms.ntm.inference import load_model
from smemu.algorithms.reporting import Reporter
from smemu.algorithms.topic_models.corpus import synthetic_corpus
from smemu.formats import save_ndarrays, write_recordio_protobuf

sys.path.insert(0, str(Path(__file__).parent.parent / "algorithms"))
from channels import ArrayChannel  # noqa: E402  tests/algorithms/channels.py


def test_trained_model_answers_topic_weights(tmp_path):
    corpus = synthetic_corpus(np.random.default_rng(3), k=3, vocabulary=15, documents=300)
    algo = get_algorithm("ntm")
    config = algo.schema.resolve({"num_topics": "3", "feature_dim": "15", "epochs": "5"})
    artifact = algo.train(config, {"train": ArrayChannel(corpus.counts)}, Reporter("AWS/NTM"))
    (tmp_path / "model").mkdir()
    save_ndarrays(str(tmp_path / "model" / "model_algo-1"), artifact.arrays)
    docs = corpus.counts[:6]
    expected = load_model(artifact).predict(docs)["topic_weights"]
    server = LiveServer(tmp_path, "ntm")
    try:
        csv = "\n".join(",".join(str(int(v)) for v in row) for row in docs).encode()
        status, headers, body = server.invoke(csv, "text/csv", "application/json")
        assert status == 200
        got = np.array([p["topic_weights"] for p in json.loads(body)["predictions"]])
        np.testing.assert_allclose(got, expected, rtol=1e-5)
        buffer = io.BytesIO()
        write_recordio_protobuf(buffer, sp.csr_matrix(docs))
        status, headers, body = server.invoke(buffer.getvalue(), "application/x-recordio-protobuf",
                                              "application/jsonlines")
        got = np.array([json.loads(line)["topic_weights"] for line in body.splitlines()])
        np.testing.assert_allclose(got, expected, rtol=1e-5)
    finally:
        server.close()
