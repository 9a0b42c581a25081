"""Tiny tuning job requests for the tuning tests: k-means on 300 clustered rows (test:msd) and
linear learner on 300 separable rows with a validation channel (validation:objective_loss per
epoch)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from emulator.jobdata import clustered, write_csv

KMEANS_IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"
LINEAR_IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def _channel(name: str, uri: str, content_type: str) -> dict:
    return {"ChannelName": name, "ContentType": content_type,
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri,
                                            "S3DataDistributionType": "FullyReplicated"}}}


def kmeans_data(root: Path) -> Path:
    write_csv(root / "train" / "train.csv", clustered(300))
    write_csv(root / "test" / "test.csv", clustered(150, seed=1))
    return root


def linear_data(root: Path) -> Path:
    rng = np.random.default_rng(5)
    for name, n in (("train", 300), ("validation", 150)):
        X = rng.normal(size=(n, 4))
        y = (X[:, 0] - X[:, 1] > 0).astype(float)
        write_csv(root / name / "part.csv", np.column_stack([y, X]))
    return root


def tuning_request(name: str, data: Path, out: Path, algorithm: str = "kmeans", *,
                   strategy: str = "Random", max_jobs: int | None = 4, parallel: int = 2,
                   ranges: dict | None = None, static: dict | None = None,
                   metric: str | None = None, **config) -> dict:
    if algorithm == "kmeans":
        image, content_type, channels = KMEANS_IMAGE, "text/csv;label_size=0", ("train", "test")
        static_default = {"feature_dim": "4", "mini_batch_size": "100"}
        ranges_default = {"IntegerParameterRanges": [{"Name": "k", "MinValue": "2", "MaxValue": "5"}]}
        metric_default, direction = "test:msd", "Minimize"
    else:
        image, content_type, channels = LINEAR_IMAGE, "text/csv", ("train", "validation")
        static_default = {"predictor_type": "binary_classifier", "feature_dim": "4",
                          "mini_batch_size": "50", "epochs": "4"}
        ranges_default = {"ContinuousParameterRanges": [
            {"Name": "learning_rate", "MinValue": "0.0001", "MaxValue": "0.5",
             "ScalingType": "Logarithmic"}]}
        metric_default, direction = "validation:objective_loss", "Minimize"
    limits = {"MaxParallelTrainingJobs": parallel}
    if max_jobs is not None:
        limits["MaxNumberOfTrainingJobs"] = max_jobs
    job_config = {"Strategy": strategy,
                  "HyperParameterTuningJobObjective": {"Type": direction,
                                                       "MetricName": metric or metric_default},
                  "ResourceLimits": limits,
                  "ParameterRanges": copy.deepcopy(ranges if ranges is not None else ranges_default)}
    job_config.update(config)
    static_values = dict(static_default)
    static_values.update(static or {})
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": job_config,
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "StaticHyperParameters": static_values,
            "InputDataConfig": [_channel(c, (data / c).as_uri(), content_type) for c in channels],
            "OutputDataConfig": {"S3OutputPath": out.as_uri()},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1,
                               "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        },
    }
