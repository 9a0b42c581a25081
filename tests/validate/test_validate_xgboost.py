"""``smemu validate`` on XGBoost jobs: every bad LIBSVM line by line number, labels outside the
objective's range, CSV widths, a channel without ContentType read as LIBSVM, and the
container's hyperparameter words — the checks training runs."""

from __future__ import annotations

import pytest

from smemu.emulator.validation import validate_request

from validate_corpus import csv_text, replace_line, request, rows, write

XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
HP = {"num_round": "5", "objective": "binary:logistic"}


def libsvm_text(n=12):
    return "".join(f"{i % 2} 1:{i}.5 3:{-i}\n" for i in range(n))


def test_every_bad_libsvm_line_and_label_is_reported(tmp_path):
    text = libsvm_text()
    text = replace_line(text, 3, "1 2:x")          # value not a number
    text = replace_line(text, 5, "0 4")            # feature without a value
    text = replace_line(text, 8, "3 1:2")          # label outside [0,1] for binary:logistic
    write(tmp_path / "train" / "part.libsvm", text)
    req = request("xgb-bad", XGBOOST, HP, [("train", "train/", None)])   # no ContentType: LIBSVM
    report = validate_request(req, base_dir=str(tmp_path))
    found = [(p.line, p.message) for p in report.problems]
    assert [line for line, _ in found] == [3, 5, 8], found
    assert "the value 'x' is not a number" in found[0][1]
    assert "'4' is not '<index>:<value>'" in found[1][1]
    assert "label must be in [0,1] for logistic regression" in found[2][1]


def test_mixed_csv_widths_and_hyperparameters(tmp_path):
    labels = [0, 1] * 5
    write(tmp_path / "train" / "a.csv", csv_text(rows(10, 4), labels))
    write(tmp_path / "train" / "b.csv", csv_text(rows(10, 5), labels))
    req = request("xgb-widths", XGBOOST, HP, [("train", "train/", "text/csv")])
    report = validate_request(req, base_dir=str(tmp_path))
    assert any("has 5 columns after the label at line 1 of file /opt/ml/input/data/train/b.csv"
               in p.message and "read before it has 4" in p.message
               for p in report.problems), [p.message for p in report.problems]

    req = request("xgb-hp", XGBOOST, {"objective": "multi:softmax", "eta": "3"},
                  [("train", "train/", "text/csv")])
    messages = [p.message for p in validate_request(req, base_dir=str(tmp_path)).problems]
    assert "Missing required hyperparameter: num_round" in messages
    assert "Hyperparameter eta: 3.0 is not in [0, 1]" in messages


def test_clean_libsvm_job_passes(tmp_path):
    write(tmp_path / "train" / "t.libsvm", libsvm_text())
    write(tmp_path / "validation" / "v.libsvm", libsvm_text(6))
    req = request("xgb-clean", XGBOOST, HP, [("train", "train/", "text/libsvm"),
                                             ("validation", "validation/", "libsvm")])
    report = validate_request(req, base_dir=str(tmp_path))
    assert report.ok, [p.message for p in report.problems]
    assert {c.name: c.records for c in report.channels} == {"train": 12, "validation": 6}


def test_parquet_schema_is_checked(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq
    (tmp_path / "train").mkdir()
    pq.write_table(pa.table({"label": [0.0, 1.0], "f1": [1.5, 2.5], "city": ["a", "b"]}),
                   tmp_path / "train" / "bad.parquet")
    pq.write_table(pa.table({"label": [0.0, 1.0], "f1": [1.5, 2.5]}),
                   tmp_path / "train" / "good.parquet")
    req = request("xgb-parquet", XGBOOST, HP, [("train", "train/", "application/x-parquet")])
    report = validate_request(req, base_dir=str(tmp_path))
    messages = [p.message for p in report.problems]
    assert len(messages) == 1, messages
    assert "bad.parquet" in messages[0] and "column 'city' is of type string, not a number" \
        in messages[0]
