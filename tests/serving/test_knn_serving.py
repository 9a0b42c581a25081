"""k-NN models served: {"predictions": [{"predicted_label": ...}]}, and with
``Accept: application/json; verbose=true`` (or the RecordIO variant) the neighbours' distances,
nearest first, and labels; answers checked against scikit-learn's brute-force neighbours."""

import io
import json

import numpy as np
import pytest
from serving_helpers import LiveServer
from sklearn.neighbors import KNeighborsClassifier

from smemu.algorithms import get_algorithm
from smemu.algorithms.reporting import Reporter
from smemu.containers.artifacts import write_model
from smemu.formats import read_recordio
from smemu.proto import record_pb2

RNG = np.random.default_rng(9)
X = RNG.normal(size=(300, 5)).astype(np.float32)
Y = (X[:, 0] + X[:, 1] > 0).astype(np.float32) + (X[:, 2] > 1)
QUERIES = RNG.normal(size=(6, 5)).astype(np.float32)


class _Channel:
    name, content_type = "train", "text/csv"

    def batches(self, size):
        class Batch:
            features, labels = X, Y

            def location(self, row):
                return f"record {row}"
        yield Batch()


@pytest.fixture(scope="module")
def knn_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("knn")
    algo = get_algorithm("knn")
    config = algo.schema.resolve({"feature_dim": "5", "k": "3", "predictor_type": "classifier",
                                  "sample_size": "300"})
    write_model(algo.train(config, {"train": _Channel()}, Reporter(algo.metrics_name)),
                root / "model")
    server = LiveServer(root, "knn")
    yield server
    server.close()


def reference():
    sk = KNeighborsClassifier(3, algorithm="brute").fit(X, Y)
    distances, ids = sk.kneighbors(QUERIES)
    return sk.predict(QUERIES), distances ** 2, Y[ids]


def body():
    return json.dumps({"instances": [{"features": q.tolist()} for q in QUERIES]}).encode()


def test_json_answers_predicted_labels_only(knn_server):
    status, _, answer = knn_server.invoke(body(), "application/json", "application/json")
    assert status == 200, answer
    predictions = json.loads(answer)["predictions"]
    assert all(list(p) == ["predicted_label"] for p in predictions)
    assert [p["predicted_label"] for p in predictions] == reference()[0].tolist()


def test_verbose_json_adds_distances_and_labels(knn_server):
    status, _, answer = knn_server.invoke(body(), "application/json",
                                          "application/json; verbose=true")
    assert status == 200, answer
    predictions = json.loads(answer)["predictions"]
    labels, distances, neighbour_labels = reference()
    assert [list(p) for p in predictions] == [["predicted_label", "distances", "labels"]] * 6
    np.testing.assert_allclose([p["distances"] for p in predictions], distances, rtol=1e-4,
                               atol=1e-4)
    assert all(p["distances"] == sorted(p["distances"]) for p in predictions)
    assert [p["labels"] for p in predictions] == neighbour_labels.tolist()


def test_verbose_recordio(knn_server):
    csv = "\n".join(",".join(repr(float(v)) for v in q) for q in QUERIES).encode()
    status, _, answer = knn_server.invoke(csv, "text/csv",
                                          "application/x-recordio-protobuf; verbose=true")
    assert status == 200
    labels, distances, neighbour_labels = reference()
    for row, (payload, _) in enumerate(read_recordio(io.BytesIO(answer))):
        record = record_pb2.Record()
        record.ParseFromString(payload)
        assert set(record.label) == {"predicted_label", "distances", "labels"}
        assert list(record.label["predicted_label"].float32_tensor.values) == [labels[row]]
        assert list(record.label["labels"].float32_tensor.values) == neighbour_labels[row].tolist()
        np.testing.assert_allclose(record.label["distances"].float32_tensor.values,
                                   distances[row], rtol=1e-4, atol=1e-4)


def test_jsonlines_without_verbose(knn_server):
    lines = "\n".join(json.dumps({"features": q.tolist()}) for q in QUERIES).encode()
    status, _, answer = knn_server.invoke(lines, "application/jsonlines", "application/jsonlines")
    assert status == 200
    assert [json.loads(line) for line in answer.decode().splitlines()] == \
        [{"predicted_label": float(v)} for v in reference()[0]]
