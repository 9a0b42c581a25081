"""K-Means in Pipe mode: the container's peak RSS stays flat however large the channel grows.

Claim (issue 4): a Pipe-mode job over 2 GB of RecordIO-protobuf keeps peak RSS under 500 MB.
Runs the same k-means job through the local runner over a small channel and over a large one
(hard links of one shard, so the disk holds one copy) and prints both peaks and their ratio.

    .venv/bin/python benchmarks/bench_kmeans_pipe_rss.py [--gigabytes 2] [--small-gigabytes 0.2]

Each job runs in a fresh worker process; the peak is the largest ``ru_maxrss`` among that worker's
finished children, i.e. the training container's process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import make_blobs

from smemu.formats import write_recordio_protobuf


def make_channel(root: Path, shard: Path, gigabytes: float) -> tuple[Path, int]:
    copies = max(1, round(gigabytes * 1e9 / shard.stat().st_size))
    root.mkdir(parents=True)
    for i in range(copies):
        os.link(shard, root / f"part-{i:04d}.pbr")
    return root, copies


def run_worker(channel_dir: Path, out_dir: Path, store: Path, name: str, k: int = 0, dim: int = 0,
               *, repository: str = "kmeans", hyperparameters: dict | None = None) -> dict:
    """Run one Pipe-mode job of the built-in ``repository`` (k-means with ``k`` and ``dim`` unless
    ``hyperparameters`` are given) in a fresh process; return its record and peak child RSS."""
    hyperparameters = hyperparameters or {"k": str(k), "feature_dim": str(dim)}
    code = f"""
import json, resource, time
from smemu.emulator.runner import run_job
from smemu.emulator.spec import TrainingJobSpec
from smemu.emulator.store import JobStore
request = {{
    "TrainingJobName": {name!r},
    "AlgorithmSpecification": {{"TrainingImage": "382416733822.dkr.ecr.us-east-1.amazonaws.com/{repository}:1",
                               "TrainingInputMode": "Pipe"}},
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "HyperParameters": {json.dumps(hyperparameters)},
    "InputDataConfig": [{{"ChannelName": "train", "DataSource": {{"S3DataSource": {{
        "S3DataType": "S3Prefix", "S3Uri": {channel_dir.as_uri() + '/'!r},
        "S3DataDistributionType": "FullyReplicated"}}}}}}],
    "OutputDataConfig": {{"S3OutputPath": {out_dir.as_uri()!r}}},
    "ResourceConfig": {{"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10}},
    "StoppingCondition": {{"MaxRuntimeInSeconds": 3600}},
}}
start = time.time()
record = run_job(TrainingJobSpec.from_request(request), store=JobStore({str(store)!r}))
print(json.dumps({{"status": record["TrainingJobStatus"], "reason": record.get("FailureReason"),
                  "seconds": time.time() - start,
                  "metrics": {{m["MetricName"]: m["Value"] for m in record.get("FinalMetricDataList", [])}},
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--small-gigabytes", type=float, default=0.2)
    parser.add_argument("--shard-records", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=50)
    parser.add_argument("--k", type=int, default=20)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="smemu-bench-") as tmp:
        tmp = Path(tmp)
        X, _ = make_blobs(args.shard_records, args.dim, centers=args.k, random_state=0)
        shard = tmp / "shard.pbr"
        write_recordio_protobuf(str(shard), X.astype(np.float32))
        results = {}
        for label, gigabytes in (("small", args.small_gigabytes), ("large", args.gigabytes)):
            channel_dir, copies = make_channel(tmp / label, shard, gigabytes)
            size = copies * shard.stat().st_size
            result = run_worker(channel_dir, tmp / "out", tmp / "store", f"rss-{label}", args.k, args.dim)
            if result["status"] != "Completed":
                raise SystemExit(f"{label} job {result['status']}: {result['reason']}")
            results[label] = result
            print(f"{label}: {size / 1e9:.2f} GB ({copies * args.shard_records} records) in "
                  f"{result['seconds']:.1f}s, train:msd {result['metrics'].get('train:msd'):.4g}, "
                  f"peak RSS {result['peak_rss_kb'] / 1024:.0f} MB")
        small, large = results["small"]["peak_rss_kb"], results["large"]["peak_rss_kb"]
        print(f"peak RSS large / small channel = {large / small:.3f}  "
              f"(large peak {large / 1024:.0f} MB; claim < 500 MB)")


if __name__ == "__main__":
    main()
