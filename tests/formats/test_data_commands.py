"""`smemu inspect` and `smemu convert`."""

import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

from smemu.cli import main
from smemu.formats import read_recordio_protobuf, save_ndarrays, write_recordio_protobuf


@pytest.fixture
def dense_file(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2500, 6)).astype(np.float32)
    y = rng.integers(0, 3, 2500).astype(np.float32)
    path = tmp_path / "train.pbr"
    write_recordio_protobuf(path, x, y)
    return path, x, y


def test_inspect_json(dense_file, capsys):
    path, x, y = dense_file
    assert main(["inspect", str(path), "--json", "--head", "2"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["records"] == 2500 and info["feature_dim"] == 6 and info["sparse"] is False
    assert info["feature_dtype"] == "float32" and info["labels"] is True
    first = info["first_records"]
    assert len(first) == 2 and first[1]["label"] == y[1]
    assert np.allclose(first[1]["values"], x[1]) and first[1]["location"].startswith("record 1 (byte offset")


def test_inspect_text_sparse(tmp_path, capsys):
    x = sp.random(40, 500, density=0.05, format="csr", random_state=1, dtype=np.float32)
    write_recordio_protobuf(tmp_path / "s.rec", x)
    assert main(["inspect", str(tmp_path / "s.rec")]) == 0
    out = capsys.readouterr().out
    assert "records:     40" in out and "500 (sparse, float32)" in out and "labels:      none" in out
    assert f"nonzeros:    {x.nnz}" in out


def test_inspect_model_file(tmp_path, capsys):
    save_ndarrays(tmp_path / "model_algo-1", [np.zeros((3, 4), np.float32)])
    assert main(["inspect", str(tmp_path / "model_algo-1")]) == 0
    assert "0: shape (3, 4), float32" in capsys.readouterr().out


def test_convert_round_trip_through_every_kind(dense_file, tmp_path, capsys):
    path, x, y = dense_file
    assert main(["convert", str(path), str(tmp_path / "a.csv")]) == 0
    assert main(["convert", str(tmp_path / "a.csv"), str(tmp_path / "b.npz")]) == 0
    assert main(["convert", str(tmp_path / "b.npz"), str(tmp_path / "c.pbr")]) == 0
    assert "wrote 2500 records" in capsys.readouterr().out
    assert (tmp_path / "c.pbr").read_bytes() == path.read_bytes()
    z = np.load(tmp_path / "b.npz")
    assert np.array_equal(z["features"], x) and np.array_equal(z["labels"], y)


def test_convert_csv_without_labels_to_npy(tmp_path):
    (tmp_path / "u.csv").write_text("1,2\n3,4\n")
    assert main(["convert", "--label-size", "0", str(tmp_path / "u.csv"), str(tmp_path / "u.npy")]) == 0
    assert np.load(tmp_path / "u.npy").tolist() == [[1, 2], [3, 4]]


def test_convert_sparse_to_npz_and_back(tmp_path):
    x = sp.random(30, 70, density=0.1, format="csr", random_state=2, dtype=np.float64)
    write_recordio_protobuf(tmp_path / "s.pbr", x)
    assert main(["convert", str(tmp_path / "s.pbr"), str(tmp_path / "s.npz")]) == 0
    assert main(["convert", str(tmp_path / "s.npz"), str(tmp_path / "t.pbr")]) == 0
    (batch,) = read_recordio_protobuf(tmp_path / "t.pbr")
    assert (batch.features != x).nnz == 0


def test_errors_are_one_line_without_traceback(tmp_path):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    for argv in (["inspect", str(tmp_path / "missing.pbr")],
                 ["inspect", str(tmp_path / "bad.csv")],
                 ["convert", str(tmp_path / "bad.csv"), str(tmp_path / "out.unknown")]):
        result = subprocess.run([sys.executable, "-m", "smemu", *argv], capture_output=True,
                                text=True)
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("smemu: error: ")
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.unknown").exists()


def test_failed_convert_leaves_no_output(tmp_path, capsys):
    (tmp_path / "bad.csv").write_text("1,2\n1,x\n")
    assert main(["convert", str(tmp_path / "bad.csv"), str(tmp_path / "out.pbr")]) == 1
    assert "line 2, column 2" in capsys.readouterr().err.lower()
    assert not (tmp_path / "out.pbr").exists() and not (tmp_path / "out.pbr.partial").exists()
