"""K-Means end to end through the job runner: File and Pipe mode, CSV and RecordIO-protobuf,
test-channel metrics in FinalMetricDataList, and bad input failing the job with a ClientError."""

from __future__ import annotations

import re
import tarfile

import numpy as np
import pytest

from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.formats import load_ndarrays

from jobdata import (FEATURE_DIM, K, centre_error, channel, clustered, request, write_csv,
                     write_pbr)


def run(tmp_path, name, channels, mode="File", **hyperparameters):
    req = request(name, channels, mode=mode,
                  OutputDataConfig={"S3OutputPath": (tmp_path / "out").as_uri()},
                  HyperParameters={k: str(v) for k, v in hyperparameters.items()})
    record = run_job(TrainingJobSpec.from_request(req), store=JobStore(tmp_path / "store"))
    return record


def model_of(tmp_path, name):
    with tarfile.open(tmp_path / "out" / name / "output" / "model.tar.gz") as tar:
        # model_algo-1 and, as the real k-means job's, an empty state_<uuid> file
        names = tar.getnames()
        assert names[0] == "model_algo-1" and len(names) == 2
        assert re.fullmatch(r"state_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", names[1])
        tar.extractall(tmp_path / "model" / name, filter="data")
    return load_ndarrays(tmp_path / "model" / name / "model_algo-1")


def write(fmt, path, rows):
    return write_csv(path.with_suffix(".csv"), rows) if fmt == "csv" else write_pbr(path.with_suffix(".pbr"), rows)


CONTENT_TYPE = {"csv": "text/csv;label_size=0", "pbr": None}  # no ContentType = RecordIO-protobuf


@pytest.mark.parametrize("mode", ["File", "Pipe"])
@pytest.mark.parametrize("fmt", ["csv", "pbr"])
def test_trains_and_scores_the_test_channel(tmp_path, mode, fmt):
    rows = clustered(1200, seed=4)
    for i in range(3):  # three files of 300 records each
        write(fmt, tmp_path / "data" / "train" / f"part-{i}", rows[300 * i:300 * (i + 1)])
    write(fmt, tmp_path / "data" / "test" / "part-0", rows[900:])
    channels = [channel("train", (tmp_path / "data" / "train").as_uri() + "/", CONTENT_TYPE[fmt]),
                channel("test", (tmp_path / "data" / "test").as_uri() + "/", CONTENT_TYPE[fmt])]
    name = f"km-{mode.lower()}-{fmt}"
    record = run(tmp_path, name, channels, mode=mode, epochs=2, mini_batch_size=250,
                 eval_metrics='["msd", "ssd"]')
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")

    arrays = model_of(tmp_path, name)
    assert isinstance(arrays, list) and len(arrays) == 1
    centroids = arrays[0]
    assert centroids.dtype == np.float32 and centroids.shape == (K, FEATURE_DIM)
    assert centre_error(centroids) < 0.2

    metrics = {m["MetricName"]: m["Value"] for m in record["FinalMetricDataList"]}
    assert {"train:msd", "test:msd", "test:ssd", "train:progress", "train:throughput"} <= set(metrics)
    test = rows[900:].astype(np.float64)
    d = ((test[:, None, :] - centroids[None].astype(np.float64)) ** 2).sum(-1).min(axis=1)
    assert metrics["test:ssd"] == pytest.approx(d.sum(), rel=1e-3)
    assert metrics["test:msd"] == pytest.approx(d.mean(), rel=1e-3)
    assert metrics["train:progress"] == 100.0


@pytest.mark.parametrize("case, make, words", [
    ("width", lambda rows: np.hstack([rows, rows[:, :1]]),
     ["'train'", "(5,", "feature_dim", "(4)", "line 1 of file", "part-0.csv"]),
    ("nan", lambda rows: np.where(np.arange(len(rows))[:, None] == 41, np.nan, rows),
     ["Found missing (NaN) values", "line 42 of file", "part-0.csv"]),
    ("fewer-than-k", lambda rows: rows[:2], ["2 records, fewer than k=3"]),
    ("empty", lambda rows: rows[:0], ["Channel 'train' has no records"]),
])
def test_bad_input_fails_with_a_client_error(tmp_path, case, make, words):
    path = write_csv(tmp_path / "data" / "train" / "part-0.csv", make(clustered(300)))
    before = path.read_bytes()
    record = run(tmp_path, f"km-bad-{case}", [channel("train", (tmp_path / "data" / "train").as_uri() + "/")])
    assert record["TrainingJobStatus"] == "Failed"
    reason = record["FailureReason"]
    assert reason.startswith("ClientError: ")
    for word in words:
        assert word in reason
    assert "Traceback" not in reason
    assert path.read_bytes() == before  # the input is untouched


@pytest.mark.parametrize("mode", ["File", "Pipe"])
def test_sparse_recordio_with_labels(tmp_path, mode):
    # what the SDK's record_set() writes for a scipy matrix: sparse records (keys + shape), labels
    import scipy.sparse as sp

    from smemu.formats import write_recordio_protobuf

    rng = np.random.default_rng(7)
    n, dim, k = 1500, 300, 3
    label = rng.integers(k, size=n)
    cols = label[:, None] * 100 + rng.integers(100, size=(n, 8))  # each cluster owns 100 features
    X = sp.csr_matrix((np.ones(n * 8, np.float32), (np.repeat(np.arange(n), 8), cols.ravel())),
                      shape=(n, dim))
    X.sum_duplicates()
    (tmp_path / "data").mkdir()
    write_recordio_protobuf(str(tmp_path / "data" / "matrix_0.pbr"), X, labels=label.astype(np.float32))
    req_channels = [channel("train", (tmp_path / "data").as_uri() + "/", None)]
    record = run(tmp_path, f"km-sparse-{mode.lower()}", req_channels, mode=mode, k=k,
                 feature_dim=dim, mini_batch_size=400)
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    (centroids,) = model_of(tmp_path, f"km-sparse-{mode.lower()}")
    assert centroids.shape == (k, dim)
    # each centroid holds one cluster's features: ~8/100 per owned feature, ~0 elsewhere
    mass = centroids.reshape(k, k, 100).sum(-1)
    assert sorted(mass.argmax(1)) == list(range(k))
    assert (mass.max(1) > 7.5).all() and (np.sort(mass, axis=1)[:, :-1] < 0.1).all()
