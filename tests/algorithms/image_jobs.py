"""What the image built-ins' tests share: a CreateTrainingJob request whose channels are files
written under ``tmp_path``, running it and serving its model (``training_helpers.invoke`` posts
to the served app)."""

from __future__ import annotations

import tarfile

from smemu.containers.serve import ServingConfig, build_app
from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore

ACCOUNT = "811284229777.dkr.ecr.us-east-1.amazonaws.com"


def request(tmp_path, algorithm: str, channels: dict, hyperparameters: dict,
            mode: str = "File") -> dict:
    """channels: name -> (content type, {relative path: bytes})."""
    config = []
    for channel, (content_type, files) in channels.items():
        for relative, data in files.items():
            path = tmp_path / "data" / channel / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        config.append({"ChannelName": channel, "ContentType": content_type,
                       "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                       "S3Uri": f"data/{channel}/"}}})
    return job_request(algorithm, config, hyperparameters, mode)


def job_request(algorithm: str, config: list, hyperparameters: dict, mode: str = "File") -> dict:
    """A CreateTrainingJob request of ``algorithm`` with the InputDataConfig ``config``."""
    return {
        "TrainingJobName": algorithm,
        "AlgorithmSpecification": {"TrainingImage": f"{ACCOUNT}/{algorithm}:1",
                                   "TrainingInputMode": mode},
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "HyperParameters": hyperparameters, "InputDataConfig": config,
        "OutputDataConfig": {"S3OutputPath": "out"},
        "ResourceConfig": {"InstanceType": "ml.p3.2xlarge", "InstanceCount": 1,
                           "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def run(tmp_path, job: dict):
    """(the job's record, its log lines)."""
    spec = TrainingJobSpec.from_request(job, base_dir=str(tmp_path))
    lines = []
    record = run_job(spec, store=JobStore(tmp_path / "jobs"), on_log=lines.append, stop_grace=5)
    return record, lines


def unpack(tmp_path, record):
    """(model directory, member names) of the job's model.tar.gz, unpacked under tmp_path."""
    model_dir = tmp_path / "model"
    with tarfile.open(record["ModelArtifacts"]["S3ModelArtifacts"][len("file://"):]) as tar:
        names = tar.getnames()
        tar.extractall(model_dir, filter="data")
    return model_dir, names


def serve(model_dir, algorithm: str):
    """The serving container's WSGI app for the model in ``model_dir``."""
    opt_ml = model_dir.parent / "opt_ml"
    opt_ml.mkdir(exist_ok=True)
    if not (opt_ml / "model").exists():
        (opt_ml / "model").symlink_to(model_dir)
    return build_app(ServingConfig({"SMEMU_OPT_ML": str(opt_ml), "SMEMU_ALGORITHM": algorithm}))


def put_classification_manifest(s3, bucket: str, prefix: str, seed: int, count: int,
                                **extra) -> str:
    """Coloured-shape images (the image-classification sample's) put under ``prefix/`` on S3
    and an augmented manifest of them (``source-ref``, ``class`` and the ``extra`` attributes);
    returns the manifest's URI."""
    import json

    import numpy as np

    from smemu.algorithms.image_classification import sample as ic_sample

    encoded, labels = ic_sample.shapes(np.random.default_rng(seed), count)
    lines = []
    for i, (data, label) in enumerate(zip(encoded, labels)):
        key = f"{prefix}/{i:03d}.png"
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        lines.append(json.dumps({"source-ref": f"s3://{bucket}/{key}", "class": int(label),
                                 **extra}))
    s3.put_object(Bucket=bucket, Key=f"{prefix}.manifest", Body=("\n".join(lines) + "\n").encode())
    return f"s3://{bucket}/{prefix}.manifest"
