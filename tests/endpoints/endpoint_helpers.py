"""What the endpoint tests share: a k-means model.tar.gz, the requests that deploy it, and the
closest-centroid arithmetic the answers are checked against."""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

import boto3
import numpy as np
from botocore.config import Config

from smemu.formats import read_recordio, save_ndarrays, write_recordio_protobuf
from smemu.proto import record_pb2

IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
CENTROIDS = (np.random.default_rng(11).normal(size=(5, 4)) * 4).astype(np.float32)
WAIT = {"Delay": 0.2, "MaxAttempts": 300}


def model_archive(centroids) -> bytes:
    """A model.tar.gz holding ``model_algo-1`` = [centroids], as mx.nd.save writes it."""
    ndarrays = io.BytesIO()
    save_ndarrays(ndarrays, [np.asarray(centroids, dtype=np.float32)])
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        info = tarfile.TarInfo("model_algo-1")
        info.size = len(ndarrays.getvalue())
        archive.addfile(info, io.BytesIO(ndarrays.getvalue()))
    return out.getvalue()


def write_model(directory: Path, centroids) -> Path:
    path = directory / "model.tar.gz"
    path.write_bytes(model_archive(centroids))
    return path


def runtime(server):
    return boto3.client("sagemaker-runtime", endpoint_url=server.url,
                        config=Config(retries={"max_attempts": 1}))


def deploy(sagemaker, name: str, model_uri: str, wait: bool = True) -> None:
    """CreateModel, CreateEndpointConfig and CreateEndpoint named ``name``; waits for InService."""
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE,
                           PrimaryContainer={"Image": IMAGE, "ModelDataUrl": model_uri})
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
    if wait:
        sagemaker.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=WAIT)


def nearest(centroids, x):
    """Closest centroid and Euclidean distance, the plain way."""
    d = np.sqrt(((np.asarray(x, np.float64)[:, None, :]
                  - np.asarray(centroids, np.float64)[None, :, :]) ** 2).sum(-1))
    return d.argmin(1), d.min(1)


def csv_body(rows) -> bytes:
    return "\n".join(",".join(f"{v:.6f}" for v in row) for row in rows).encode()


def recordio_body(rows) -> bytes:
    buffer = io.BytesIO()
    write_recordio_protobuf(buffer, np.asarray(rows, dtype=np.float32))
    return buffer.getvalue()


def recordio_labels(body: bytes) -> list[dict]:
    """The ``label`` map of each Record of a RecordIO-protobuf response."""
    rows = []
    for payload, _ in read_recordio(io.BytesIO(body)):
        record = record_pb2.Record()
        record.ParseFromString(payload)
        rows.append({k: v.float32_tensor.values[0] for k, v in record.label.items()})
    return rows


def serving_processes(server) -> list[int]:
    """The server's children that run a serving container."""
    found = []
    for pid in server.children():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command:
            found.append(pid)
    return found


def wait_until(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()
