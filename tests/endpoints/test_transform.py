"""``smemu transform``: every file under the input sent through the k-means serving container the
way BatchTransform sends it, answers in <name>.out checked against the centroids' arithmetic."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from endpoint_helpers import CENTROIDS, csv_body, nearest, recordio_body

from smemu.emulator.transform import MEGABYTE, TransformConfig, TransformError, mini_batches

ROWS = np.random.default_rng(8).normal(size=(60, 4)).astype(np.float32) * 4


def transform(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "smemu", "transform", "--algorithm", "kmeans",
                           *map(str, args)], capture_output=True, text=True, timeout=120)


def check(lines, rows):
    cluster, distance = nearest(CENTROIDS, rows)
    assert [line["closest_cluster"] for line in lines] == cluster.astype(float).tolist()
    np.testing.assert_allclose([line["distance_to_cluster"] for line in lines], distance,
                               rtol=1e-4, atol=1e-4)


def test_csv_directory_to_jsonlines(model_uri, tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "a.csv").write_bytes(csv_body(ROWS[:40]) + b"\n")
    (tmp_path / "in" / "sub" / "b.csv").write_bytes(csv_body(ROWS[40:]))
    done = transform("--model", model_uri, "--input", tmp_path / "in", "--output",
                     tmp_path / "out", "--accept", "application/jsonlines")
    assert done.returncode == 0, done.stderr
    for name, rows in (("a.csv.out", ROWS[:40]), ("sub/b.csv.out", ROWS[40:])):
        lines = (tmp_path / "out" / name).read_text().splitlines()
        check([json.loads(line) for line in lines], rows)


def test_single_record_json_one_document_per_request(model_uri, tmp_path):
    (tmp_path / "rows.csv").write_bytes(csv_body(ROWS[:5]))
    done = transform("--model", model_uri, "--input", tmp_path / "rows.csv", "--output",
                     tmp_path / "out", "--strategy", "SingleRecord")
    assert done.returncode == 0, done.stderr
    assert "(5 requests)" in done.stdout
    documents = [json.loads(line) for line in (tmp_path / "out" / "rows.csv.out").open()]
    assert all(len(d["predictions"]) == 1 for d in documents)
    check([d["predictions"][0] for d in documents], ROWS[:5])


def test_recordio_split(model_uri, tmp_path):
    (tmp_path / "rows.pbr").write_bytes(recordio_body(ROWS))
    done = transform("--model", model_uri, "--input", tmp_path / "rows.pbr", "--output",
                     tmp_path / "out", "--split-type", "RecordIO", "--content-type",
                     "application/x-recordio-protobuf", "--accept", "application/jsonlines")
    assert done.returncode == 0, done.stderr
    check([json.loads(line) for line in (tmp_path / "out" / "rows.pbr.out").open()], ROWS)


def test_a_bad_record_fails_naming_it(model_uri, tmp_path):
    (tmp_path / "rows.csv").write_bytes(csv_body(ROWS[:3]) + b"\n1.0,2.0\n")
    done = transform("--model", model_uri, "--input", tmp_path / "rows.csv", "--output",
                     tmp_path / "out", "--strategy", "SingleRecord")
    assert done.returncode == 1
    assert "answered 400 for line 4 of rows.csv" in done.stderr
    assert "feature dimension of the input: 2" in done.stderr
    assert not (tmp_path / "out" / "rows.csv.out").exists()


def test_multi_record_packs_requests_up_to_the_payload_limit():
    record = b"x" * (400 * 1024)
    batches = list(mini_batches(iter([record] * 5), TransformConfig(max_payload_mb=1), "f"))
    assert [(b.first, b.count) for b in batches] == [(0, 2), (2, 2), (4, 1)]
    assert all(len(b.body) <= MEGABYTE for b in batches)
    with pytest.raises(TransformError, match="Record 2 of f is 1048577 bytes"):
        list(mini_batches(iter([b"x", b"x" * (MEGABYTE + 1)]), TransformConfig(max_payload_mb=1),
                          "f"))
