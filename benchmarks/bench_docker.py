"""The Docker backend's extra wall time over the process backend, for the same small job.

Both backends run the same small k-means job end to end (``run_job``: layout, staging, the
container, packing the model), alternately, --repeat times each, in File mode (CSV) and in Pipe
mode (RecordIO-protobuf). Printed per mode: the median wall time of each backend, and the Docker
backend's extra time (goal: under 3 s) with its ratio to the process backend's time (the
reference measured in the same run).

Needs a running Docker engine and smemu's images (``smemu build-images --offline-base``).

    .venv/bin/python benchmarks/bench_docker.py               # 5 runs per backend and mode
    .venv/bin/python benchmarks/bench_docker.py --repeat 2    # a quick look
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from smemu.emulator import images
from smemu.emulator.backends import get_backend
from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
from smemu.formats import write_recordio_protobuf

GOAL_SECONDS = 3.0


def make_data(root: Path, rows: int) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=10, size=(5, 8))
    data = (centres[rng.integers(0, 5, rows)] + rng.normal(size=(rows, 8))).astype(np.float32)
    (root / "csv").mkdir(parents=True)
    np.savetxt(root / "csv" / "train.csv", data, delimiter=",", fmt="%.5f")
    (root / "pbr").mkdir()
    write_recordio_protobuf(str(root / "pbr" / "train.pbr"), data)
    return {"csv": root / "csv", "pbr": root / "pbr"}


def request(name: str, data: Path, mode: str, content_type: str, output: Path) -> dict:
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": "kmeans", "TrainingInputMode": mode},
        "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
        "HyperParameters": {"k": "5", "feature_dim": "8", "mini_batch_size": "500"},
        "InputDataConfig": [{"ChannelName": "train", "ContentType": content_type, "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": str(data),
                             "S3DataDistributionType": "FullyReplicated"}}}],
        "OutputDataConfig": {"S3OutputPath": str(output)},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 1},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def timed_job(root: Path, backend, name: str, data: Path, mode: str, content_type: str) -> float:
    spec = TrainingJobSpec.from_request(request(name, data, mode, content_type, root / "out"))
    start = time.perf_counter()
    record = run_job(spec, store=JobStore(root / "jobs"), backend=backend)
    elapsed = time.perf_counter() - start
    if record["TrainingJobStatus"] != "Completed":
        sys.exit(f"{name} ended {record['TrainingJobStatus']}: {record.get('FailureReason')}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per backend and mode")
    parser.add_argument("--rows", type=int, default=3000, help="rows of the job's data")
    args = parser.parse_args()
    try:
        images.require_image(images.docker_client(), "kmeans")
    except images.ImageError as exc:
        print(f"bench_docker: {exc}", file=sys.stderr)
        return 2
    backends = {"process": get_backend("process"), "docker": get_backend("docker")}
    with tempfile.TemporaryDirectory(prefix="smemu-bench-docker-") as tmp:
        root = Path(tmp)
        data = make_data(root, args.rows)
        print(f"k-means job, {args.rows} rows x 8 features, k=5; median of {args.repeat} runs")
        print(f"{'mode':<12}{'process s':>11}{'docker s':>10}{'extra s':>9}{'ratio':>7}  goal")
        for mode, fmt, content_type in (("File", "csv", "text/csv;label_size=0"),
                                        ("Pipe", "pbr", "application/x-recordio-protobuf")):
            times = {name: [] for name in backends}
            timed_job(root, backends["docker"], f"warm-{mode}".lower(), data[fmt], mode,
                      content_type)   # the first container start pays for the page cache
            for i in range(args.repeat):
                for name, backend in backends.items():
                    times[name].append(timed_job(root, backend, f"{name}-{mode}-{i}".lower(),
                                                 data[fmt], mode, content_type))
            process, docker = (statistics.median(times[n]) for n in ("process", "docker"))
            extra = docker - process
            verdict = "met" if extra < GOAL_SECONDS else "MISSED"
            print(f"{mode + ' ' + fmt.upper():<12}{process:>11.2f}{docker:>10.2f}{extra:>9.2f}"
                  f"{docker / process:>7.2f}  < {GOAL_SECONDS:.0f} s extra: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
