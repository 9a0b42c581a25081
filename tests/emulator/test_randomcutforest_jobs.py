"""Random Cut Forest jobs: the service refuses a channel distribution the algorithm's channel does
not take (train ShardedByS3Key only, test FullyReplicated only), a flag-built job defaults each
channel to its descriptor's type, and ``smemu train --algorithm randomcutforest`` on CSV with a
labelled ``text/csv;label_size=1`` test channel runs as the README shows."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import numpy as np
import pytest

from smemu.algorithms.randomcutforest.sample import anomaly_data
from smemu.commands.job_request import add_job_arguments, request_from_flags
from smemu.emulator.spec import SpecError, TrainingJobSpec

from jobdata import channel, request

RCF_IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/randomcutforest:1"
DIST = "DataSource.S3DataSource.S3DataDistributionType"


def rcf_request(train_distribution: str, test_distribution: str) -> dict:
    train, test = channel("train", "data/"), channel("test", "test/", "text/csv;label_size=1")
    train["DataSource"]["S3DataSource"]["S3DataDistributionType"] = train_distribution
    test["DataSource"]["S3DataSource"]["S3DataDistributionType"] = test_distribution
    req = request("rcf-1", [train, test])
    req["AlgorithmSpecification"]["TrainingImage"] = RCF_IMAGE
    req["HyperParameters"] = {"feature_dim": "3"}
    return req


def test_distributions_the_channels_do_not_take_are_refused(tmp_path):
    TrainingJobSpec.from_request(rcf_request("ShardedByS3Key", "FullyReplicated"),
                                 base_dir=str(tmp_path))
    with pytest.raises(SpecError) as info:
        TrainingJobSpec.from_request(rcf_request("FullyReplicated", "ShardedByS3Key"),
                                     base_dir=str(tmp_path))
    found = {p.path: p.message for p in info.value.problems}
    assert found[f"InputDataConfig[0].{DIST}"] == (
        "the randomcutforest algorithm's 'train' channel supports S3DataDistributionType "
        "ShardedByS3Key, not FullyReplicated. Set S3DataDistributionType to ShardedByS3Key.")
    assert "'test' channel supports S3DataDistributionType FullyReplicated, not ShardedByS3Key" \
        in found[f"InputDataConfig[1].{DIST}"]


def flags(*argv):
    parser = argparse.ArgumentParser()
    add_job_arguments(parser)
    return request_from_flags(parser.parse_args(list(argv)))


def test_flag_built_channels_default_to_the_channels_type():
    req = flags("--algorithm", "randomcutforest", "--channel", "train=data/",
                "--channel", "test=t/,content-type=text/csv;label_size=1", "--output", "out/")
    types = [c["DataSource"]["S3DataSource"]["S3DataDistributionType"]
             for c in req["InputDataConfig"]]
    assert types == ["ShardedByS3Key", "FullyReplicated"]
    req = flags("--algorithm", "kmeans", "--channel", "train=data/", "--output", "out/")
    assert req["InputDataConfig"][0]["DataSource"]["S3DataSource"][
        "S3DataDistributionType"] == "FullyReplicated"
    req = flags("--algorithm", "randomcutforest", "--output", "out/",
                "--channel", "train=data/,distribution=FullyReplicated")
    assert req["InputDataConfig"][0]["DataSource"]["S3DataSource"][
        "S3DataDistributionType"] == "FullyReplicated"       # as given: the spec check refuses it


def _csv(path, features, labels=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = features if labels is None else np.column_stack([labels, features])
    path.write_text("\n".join(",".join(repr(float(v)) for v in row) for row in rows) + "\n")


def test_flags_job_with_a_labelled_csv_test_channel(tmp_path):
    X, y = anomaly_data(np.random.default_rng(0), rows=1500, dim=3, anomalies=15)
    _csv(tmp_path / "data" / "train.csv", X)
    _csv(tmp_path / "test" / "test.csv", X, y)
    result = subprocess.run(
        [sys.executable, "-m", "smemu", "train", "--algorithm", "randomcutforest",
         "--channel", "train=data/,content-type=text/csv;label_size=0",
         "--channel", "test=test/,content-type=text/csv;label_size=1",
         "--hyperparameters", "feature_dim=3,num_trees=50", "--input-mode", "Pipe",
         "--output", "out/"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"SMEMU_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    f1 = float(re.search(r"#quality_metric: host=algo-1, test f1 <score>=(\S+)",
                         result.stdout).group(1))
    assert f1 > 0.8
