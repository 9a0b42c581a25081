"""Putting the shared k-means test data on the test S3 server and reading a job's model back."""

from __future__ import annotations

import io
import tarfile

import numpy as np

from emulator.jobdata import channel, clustered, request  # noqa: F401  (tests/emulator/jobdata.py)
from smemu.formats import load_ndarrays, write_recordio_protobuf

WAIT = {"Delay": 1, "MaxAttempts": 300}


def put_csv(s3, bucket: str, key: str, rows: np.ndarray) -> None:
    text = "\n".join(",".join(f"{v:.5f}" for v in row) for row in rows) + "\n"
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode())


def put_pbr(s3, bucket: str, key: str, rows: np.ndarray) -> None:
    buffer = io.BytesIO()
    write_recordio_protobuf(buffer, rows.astype(np.float32))
    s3.put_object(Bucket=bucket, Key=key, Body=buffer.getvalue())


def model_arrays(s3, uri: str) -> list:
    """The NDArrays of ``model_algo-1`` in the model.tar.gz at ``uri``."""
    bucket, key = uri[len("s3://"):].split("/", 1)
    archive = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        assert tar.getnames() == ["model_algo-1"]
        return load_ndarrays(tar.extractfile("model_algo-1"))
