"""Putting the shared k-means test data on the test S3 server and reading a job's model back."""

from __future__ import annotations

import io
import re
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
        # model_algo-1 and, as the real k-means job's, an empty state_<uuid> file
        names = tar.getnames()
        assert names[0] == "model_algo-1" and len(names) == 2
        assert re.fullmatch(r"state_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", names[1])
        return load_ndarrays(tar.extractfile("model_algo-1"))
