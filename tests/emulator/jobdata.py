"""Data and requests the container and emulator tests share: well-separated clusters whose true
centres are known, written as CSV or RecordIO-protobuf, and CreateTrainingJob requests over them."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from smemu.formats import write_recordio_protobuf

FEATURE_DIM = 4
K = 3
CENTRES = np.array([[0.0, 0.0, 0.0, 0.0], [20.0, 20.0, 0.0, 0.0], [0.0, 20.0, 20.0, 20.0]])


def clustered(n: int = 900, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = np.vstack([c + rng.normal(scale=0.5, size=(n // K, FEATURE_DIM)) for c in CENTRES])
    rng.shuffle(rows)
    return rows.astype(np.float32)


def write_csv(path: Path, rows: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, rows, delimiter=",", fmt="%.5f")
    return path


def write_pbr(path: Path, rows: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_recordio_protobuf(str(path), rows.astype(np.float32))
    return path


def centre_error(centroids: np.ndarray) -> float:
    """Largest distance from a true centre to its nearest learned centroid."""
    d = np.linalg.norm(CENTRES[:, None, :] - np.asarray(centroids)[None, :, :], axis=2)
    return float(d.min(axis=1).max())


BASE_REQUEST = {
    "TrainingJobName": "job",
    "AlgorithmSpecification": {"TrainingImage": "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1",
                               "TrainingInputMode": "File"},
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "HyperParameters": {"k": str(K), "feature_dim": str(FEATURE_DIM), "mini_batch_size": "300"},
    "InputDataConfig": [],
    "OutputDataConfig": {"S3OutputPath": "out"},
    "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 600},
}


def channel(name: str, uri: str, content_type: str | None = "text/csv;label_size=0",
            **extra) -> dict:
    s3 = {"S3DataType": extra.pop("S3DataType", "S3Prefix"), "S3Uri": uri,
          "S3DataDistributionType": "FullyReplicated"}
    out = {"ChannelName": name, "DataSource": {"S3DataSource": s3}}
    if content_type is not None:
        out["ContentType"] = content_type
    out.update(extra)
    return out


def request(name: str, channels: list[dict], mode: str = "File", **overrides) -> dict:
    req = copy.deepcopy(BASE_REQUEST)
    req["TrainingJobName"] = name
    req["AlgorithmSpecification"]["TrainingInputMode"] = mode
    req["InputDataConfig"] = channels
    for key, value in overrides.items():
        if key == "HyperParameters":
            req[key].update(value)
        else:
            req[key] = value
    return req
