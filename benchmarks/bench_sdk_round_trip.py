"""A CI user's round trip with the SageMaker Python SDK against smemu: KMeans ``fit()`` +
``deploy()`` + ``predict()`` + ``delete_endpoint()`` through ``smemu server`` on a local moto S3.
Prints each step's wall time against two references measured in the same run: the import floor
(``python -c pass``) and the same job run directly (``smemu train``), so what is left is the
SDK's own polling (it sleeps 5 s before its first look at a training job, 30 s at an endpoint).

    python benchmarks/bench_sdk_round_trip.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import numpy as np

from smemu.pytest_plugin import REGION, ROLE, LocalS3, SmemuServer


def round_trip(server: SmemuServer, bucket: str) -> dict[str, float]:
    import sagemaker
    from sagemaker import KMeans

    boto_session = boto3.Session(region_name=REGION)
    session = sagemaker.Session(boto_session=boto_session, default_bucket=bucket,
                                sagemaker_client=server.client("sagemaker"),
                                sagemaker_runtime_client=server.client("sagemaker-runtime"))
    rng = np.random.default_rng(0)
    X = np.vstack([c + rng.normal(scale=0.5, size=(100, 2))
                   for c in ([0, 0], [10, 10], [0, 10])]).astype("float32")
    times = {}
    t0 = time.perf_counter()
    kmeans = KMeans(role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", k=3,
                    sagemaker_session=session)
    kmeans.fit(kmeans.record_set(X), logs=False)
    times["fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    predictor = kmeans.deploy(initial_instance_count=1, instance_type="ml.m5.xlarge")
    times["deploy"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    predictor.predict(X[:3])
    times["predict"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    predictor.delete_endpoint()
    times["delete_endpoint"] = time.perf_counter() - t0
    times["total"] = sum(times.values())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    import os
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": REGION, "SAGEMAKER_SUPPRESS_V2_WARNING": "1"})
    s3 = LocalS3()
    os.environ["AWS_ENDPOINT_URL_S3"] = s3.url
    s3.client().create_bucket(Bucket="bench")
    floor = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        floor.append(time.perf_counter() - t0)
    print(f"import floor (python -c pass): {statistics.median(floor):.3f} s")
    with tempfile.TemporaryDirectory() as jobs:
        server = SmemuServer(Path(jobs))
        try:
            runs = [round_trip(server, "bench") for _ in range(args.rounds)]
        finally:
            server.stop()
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print("SDK round trip: " + "  ".join(f"{k} {v:.2f} s" for k, v in median.items()))
    job = Path(__file__).resolve().parents[1] / "examples" / "kmeans-job.json"
    with tempfile.TemporaryDirectory() as jobs:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "smemu", "train", "--job", str(job), "--jobs-root",
                        jobs], check=True, capture_output=True)
        direct = time.perf_counter() - t0
    print(f"the README job by smemu train (reference): {direct:.2f} s; fit / that: "
          f"{median['fit'] / direct:.1f}x")
    s3.stop()


if __name__ == "__main__":
    main()
