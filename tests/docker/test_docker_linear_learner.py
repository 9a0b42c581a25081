"""Linear Learner jobs in Docker: train/validation/test channels in File and Pipe mode, a model
that classifies the test data, and the same model_algo-1 bytes as the process backend's."""

from __future__ import annotations

import tarfile

import numpy as np
import pytest

from smemu.algorithms.base import ModelArtifact
from smemu.algorithms.linear_learner.inference import predict
from smemu.emulator.backends import get_backend
from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.formats import write_recordio_protobuf
from smemu.formats.mxnet_checkpoint import read_module_zip

import jobdata

pytestmark = pytest.mark.docker

WEIGHTS = np.array([2.0, -1.0, 1.5, 0.0, 1.0, -2.0])


def binary_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, WEIGHTS.size)).astype(np.float32)
    y = (X @ WEIGHTS + rng.normal(0, 0.3, n) > 0.5).astype(np.float32)
    return X, y


def _job(tmp_path, backend: str, mode: str, fmt: str):
    data = {"train": binary_data(1500, 1), "validation": binary_data(400, 2),
            "test": binary_data(400, 3)}
    channels = []
    for name, (X, y) in data.items():
        folder = tmp_path / "data" / name
        if not folder.exists():
            folder.mkdir(parents=True)
            if fmt == "csv":
                np.savetxt(folder / "part-0.csv", np.column_stack([y, X]), delimiter=",",
                           fmt="%.6g")
            else:
                write_recordio_protobuf(str(folder / "part-0.pbr"), X, y)
        channels.append(jobdata.channel(name, str(folder),
                                        "text/csv" if fmt == "csv" else None))
    job = f"ll-{backend}-{mode}-{fmt}".lower()
    request = jobdata.request(job, channels, mode=mode,
                              OutputDataConfig={"S3OutputPath": str(tmp_path / "out")})
    request["AlgorithmSpecification"]["TrainingImage"] = "linear-learner"
    request["HyperParameters"] = {"predictor_type": "binary_classifier", "mini_batch_size": "100",
                                  "epochs": "5", "num_models": "4"}
    record = run_job(TrainingJobSpec.from_request(request), store=JobStore(tmp_path / "jobs"),
                     backend=get_backend(backend))
    assert record["TrainingJobStatus"] == "Completed", record.get("FailureReason")
    with tarfile.open(tmp_path / "out" / job / "output" / "model.tar.gz") as tar:
        assert tar.getnames() == ["model_algo-1"]
        model = tar.extractfile("model_algo-1").read()
    return record, model, data["test"]


@pytest.mark.parametrize("mode,fmt", [("File", "csv"), ("Pipe", "pbr")])
def test_linear_learner_in_docker(smemu_images, tmp_path, mode, fmt):
    record, model, (X, y) = _job(tmp_path, "docker", mode, fmt)
    (tmp_path / "model_algo-1").write_bytes(model)
    symbol, arrays, params = read_module_zip(tmp_path / "model_algo-1")
    _, label = predict(ModelArtifact(arrays=arrays, layout="mxnet-module", symbol=symbol,
                                     manifest=params), X)
    assert float((label == y).mean()) > 0.9
    names = {m["MetricName"] for m in record["FinalMetricDataList"]}
    assert "test:binary_classification_accuracy" in names
    _, process_model, _ = _job(tmp_path, "process", mode, fmt)
    assert process_model == model        # byte for byte
