"""``smemu validate`` on Factorization Machines and Random Cut Forest jobs: a CSV channel for FM,
Float64 tensors and a bad label for FM, and a train channel of the wrong distribution type for
RCF are each one problem, in the words training and the service use."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.factorization_machines.sample import interaction_data
from smemu.emulator.validation import validate_request

from validate_corpus import csv_text, pbr_bytes, request, rows, write

FM = "382416733822.dkr.ecr.us-east-1.amazonaws.com/factorization-machines:1"
RCF = "382416733822.dkr.ecr.us-east-1.amazonaws.com/randomcutforest:1"
FM_HP = {"feature_dim": "40", "num_factors": "4", "predictor_type": "binary_classifier"}


def test_fm_csv_channel_is_a_channel_problem(tmp_path):
    write(tmp_path / "train" / "a.csv", csv_text(rows(5, width=40), np.zeros(5)))
    report = validate_request(request("fm-csv", FM, FM_HP, [("train", "train/", "text/csv")]),
                              base_dir=str(tmp_path))
    (problem,) = report.problems
    assert problem.kind == "channel"
    assert problem.message.startswith(
        "No iterator has been registered for ContentType ('text/csv', '1.0') on the 'train' "
        "channel")


def test_fm_float64_records_and_bad_labels_are_data_problems(tmp_path):
    X, y = interaction_data(np.random.default_rng(0), rows=30)
    write(tmp_path / "train" / "a.pbr", pbr_bytes(X.astype(np.float64), y))
    bad = y.copy()
    bad[7] = 5
    write(tmp_path / "train" / "b.pbr", pbr_bytes(X, bad))
    report = validate_request(request("fm-data", FM, FM_HP, [("train", "train/", None)]),
                              base_dir=str(tmp_path))
    found = {p.file.rsplit("/", 1)[-1]: p for p in report.problems}
    assert set(found) == {"a.pbr", "b.pbr"}
    assert "holds Float64 feature tensors" in found["a.pbr"].message
    assert found["b.pbr"].record == 7 and "label 5.0" in found["b.pbr"].message


def test_rcf_train_channel_fully_replicated_is_a_request_problem(tmp_path):
    write(tmp_path / "train" / "a.csv", csv_text(rows(20, width=4)))
    req = request("rcf-dist", RCF, {"feature_dim": "4"},
                  [("train", "train/", "text/csv;label_size=0")])
    report = validate_request(req, base_dir=str(tmp_path))
    (problem,) = report.problems
    assert problem.kind == "request"
    assert "'train' channel supports S3DataDistributionType ShardedByS3Key, not " \
           "FullyReplicated" in problem.message
    req["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3DataDistributionType"] = \
        "ShardedByS3Key"
    assert validate_request(req, base_dir=str(tmp_path)).ok
