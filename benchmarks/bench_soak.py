"""Soak: a real ``smemu server`` under mixed traffic for 10 minutes (``--minute``: 1 minute;
``--quick``: 20 s) — CreateTrainingJob (small k-means Pipe-mode jobs, at most --jobs running),
DescribeTrainingJob, StopTrainingJob (every third job) and InvokeEndpoint on one k-means endpoint,
all on loopback.

Printed: jobs run and how they ended, errors, p50/p99 latency per operation, and the server's RSS
and open file descriptors at the start (after one warm-up job and the endpoint's start) and at
the end (once every job has ended). The reference is the server's own start: the end/start ratios
of RSS and descriptors must be about 1 (flat), and the descriptor count must come back to its
start exactly when nothing runs.

    .venv/bin/python benchmarks/bench_soak.py [--minute | --quick] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import numpy as np
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serving import kmeans_tarball  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"
FINAL = ("Completed", "Failed", "Stopped")


def job_request(name: str, output: Path) -> dict:
    job = json.loads((ROOT / "examples" / "kmeans-job.json").read_text())
    job["TrainingJobName"] = name
    job["HyperParameters"]["epochs"] = "2"
    job["AlgorithmSpecification"]["TrainingInputMode"] = "Pipe"
    for channel in job["InputDataConfig"]:
        channel["InputMode"] = "Pipe"
        channel["DataSource"]["S3DataSource"]["S3Uri"] = \
            (ROOT / "examples" / "data" / "kmeans").as_uri() + "/"
    job["OutputDataConfig"]["S3OutputPath"] = output.as_uri()
    return job


def process_figures(pid: int) -> tuple[float, int, int]:
    """(RSS in MB, open descriptors other than sockets, sockets) of ``pid``. The sockets include
    the clients' kept-alive connections, which the clients, not the server, keep open."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
    targets = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    sockets = sum(t.startswith("socket:") for t in targets)
    return rss, len(targets) - sockets, sockets


class Soak:
    def __init__(self, url: str, tmp: Path, jobs: int):
        config = Config(retries={"max_attempts": 1}, max_pool_connections=20)
        self.sagemaker = boto3.client("sagemaker", endpoint_url=url, region_name="us-east-1",
                                      aws_access_key_id="x", aws_secret_access_key="x",
                                      config=config)
        self.runtime = boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
                                    aws_access_key_id="x", aws_secret_access_key="x",
                                    config=config)
        self.tmp = tmp
        self.slots = threading.Semaphore(jobs)
        self.latency: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.names: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def timed(self, operation: str, call):
        began = time.perf_counter()
        try:
            return call()
        except Exception as exc:   # counted, not raised: a soak goes on
            with self.lock:
                self.errors[f"{operation}: {type(exc).__name__}"] = \
                    self.errors.get(f"{operation}: {type(exc).__name__}", 0) + 1
            return None
        finally:
            with self.lock:
                self.latency.setdefault(operation, []).append(time.perf_counter() - began)

    def wait_final(self, name: str, timeout: float = 300) -> str | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = self.timed("DescribeTrainingJob", lambda: self.sagemaker.describe_training_job(
                TrainingJobName=name))
            if record and record["TrainingJobStatus"] in FINAL:
                return record["TrainingJobStatus"]
            time.sleep(0.2)
        return None

    def creator(self) -> None:
        count = 0
        while not self.stop.is_set():
            if not self.slots.acquire(timeout=0.5):
                continue
            count += 1
            name = f"soak-{count}"
            answer = self.timed("CreateTrainingJob", lambda: self.sagemaker.create_training_job(
                **job_request(name, self.tmp / "out")))
            if answer is None:
                self.slots.release()
                continue
            with self.lock:
                self.names.append(name)
            threading.Thread(target=self._follow, args=(name, count % 3 == 0)).start()

    def _follow(self, name: str, stop: bool) -> None:
        try:
            if stop:
                time.sleep(random.uniform(0.1, 0.6))
                self.timed("StopTrainingJob", lambda: self.sagemaker.stop_training_job(
                    TrainingJobName=name))
            self.wait_final(name)
        finally:
            self.slots.release()

    def describer(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                name = random.choice(self.names) if self.names else None
            if name:
                self.timed("DescribeTrainingJob", lambda: self.sagemaker.describe_training_job(
                    TrainingJobName=name))
            time.sleep(0.05)

    def invoker(self) -> None:
        rows = np.random.default_rng(0).normal(size=(10, 7))
        body = "\n".join(",".join(f"{v:.4f}" for v in row) for row in rows)
        while not self.stop.is_set():
            self.timed("InvokeEndpoint", lambda: self.runtime.invoke_endpoint(
                EndpointName="soak", ContentType="text/csv", Accept="application/json",
                Body=body)["Body"].read())
            time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minute", action="store_true", help="1 minute instead of 10")
    parser.add_argument("--quick", action="store_true", help="20 s")
    parser.add_argument("--jobs", type=int, default=2, help="training jobs running at once")
    args = parser.parse_args()
    seconds = 20 if args.quick else 60 if args.minute else 600

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = dict(os.environ, SMEMU_HOME=str(tmp / "home"))
        server = subprocess.Popen(
            [sys.executable, "-m", "smemu", "server", "--port", "0", "--jobs-root",
             str(tmp / "jobs")], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        try:
            url = None
            for line in server.stdout:
                found = re.search(r"listening on (http://\S+)", line)
                if found:
                    url = found.group(1)
                    break
            threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
            soak = Soak(url, tmp, args.jobs)
            client = soak.sagemaker
            model = kmeans_tarball(str(tmp), k=5, dim=7)
            client.create_model(ModelName="soak", ExecutionRoleArn=ROLE,
                                PrimaryContainer={"Image": IMAGE,
                                                  "ModelDataUrl": Path(model).as_uri()})
            client.create_endpoint_config(EndpointConfigName="soak", ProductionVariants=[{
                "VariantName": "AllTraffic", "ModelName": "soak", "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large"}])
            client.create_endpoint(EndpointName="soak", EndpointConfigName="soak")
            client.get_waiter("endpoint_in_service").wait(
                EndpointName="soak", WaiterConfig={"Delay": 0.2, "MaxAttempts": 300})
            client.create_training_job(**job_request("warm-up", tmp / "out"))
            soak.wait_final("warm-up")
            rss0, fds0, sockets0 = process_figures(server.pid)

            workers = [threading.Thread(target=target) for target in
                       (soak.creator, soak.describer, soak.invoker, soak.invoker)]
            began = time.monotonic()
            for worker in workers:
                worker.start()
            time.sleep(seconds)
            soak.stop.set()
            for worker in workers:
                worker.join()
            for name in list(soak.names):
                soak.wait_final(name)
            elapsed = time.monotonic() - began
            time.sleep(1)
            rss1, fds1, sockets1 = process_figures(server.pid)
            statuses: dict[str, int] = {}
            for name in soak.names:
                status = client.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            server.terminate()
            server.wait(120)

    print(f"soak: {elapsed:.0f} s of mixed traffic, {args.jobs} jobs at most at once")
    print(f"jobs run: {len(soak.names)}  ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))})")
    total_errors = sum(soak.errors.values())
    print(f"errors: {total_errors}" + (f"  ({soak.errors})" if total_errors else ""))
    for operation, values in sorted(soak.latency.items()):
        values = np.array(values) * 1000
        print(f"  {operation:<20} {len(values):>6} calls  p50 {np.percentile(values, 50):8.1f} ms"
              f"  p99 {np.percentile(values, 99):8.1f} ms")
    print(f"server RSS: {rss0:.1f} MB at the start, {rss1:.1f} MB at the end "
          f"(ratio {rss1 / rss0:.3f})")
    print(f"server open descriptors (not sockets): {fds0} at the start, {fds1} at the end "
          f"(ratio {fds1 / fds0:.3f}); sockets {sockets0} -> {sockets1} (the listener and the "
          f"clients' kept-alive connections)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
