"""What InvokeEndpoint through ``smemu server`` costs over calling the serving container directly.

A k-means model is deployed through the API (CreateModel, CreateEndpointConfig, CreateEndpoint) on
a ``smemu server`` subprocess; the load generator then alternates short bursts of the same requests
against ``POST <server>/endpoints/<name>/invocations`` (the runtime route, which forwards to the
container) and against the container's own ``POST /invocations`` — the reference, measured in the
same run. Bursts are interleaved so a busy shared machine slows both alike. Printed: requests/s and
p50/p99 latency of each, and the server's rate over the container's.

    .venv/bin/python benchmarks/bench_endpoints.py [--requests 1000] [--rounds 4] [--clients 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import boto3
import numpy as np
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "endpoints"))
from endpoint_helpers import deploy, write_model  # noqa: E402  (tests/endpoints)


def start_server(jobs_root: str):
    process = subprocess.Popen([sys.executable, "-m", "smemu", "server", "--port", "0",
                                "--jobs-root", jobs_root], stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, found.group(1)
    raise RuntimeError("smemu server did not start")


def burst(url: str, path: str, body: bytes, count: int, clients: int) -> list[float]:
    """Latencies (s) of ``count`` POSTs of ``body`` from ``clients`` threads, one connection each."""
    address = urllib.parse.urlsplit(url)
    latencies: list[float] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        mine = []
        for _ in range(n):
            start = time.perf_counter()
            connection.request("POST", path, body=body, headers={"Content-Type": "text/csv"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}{path} answered {response.status}")
            mine.append(time.perf_counter() - start)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(count // clients,)) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per burst")
    parser.add_argument("--rounds", type=int, default=4, help="bursts against each")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as work:
        model = write_model(Path(work), rng.normal(size=(10, 50)).astype(np.float32))
        process, url = start_server(os.path.join(work, "jobs"))
        try:
            sagemaker = boto3.client("sagemaker", endpoint_url=url,
                                     config=Config(retries={"max_attempts": 1}))
            deploy(sagemaker, "bench", model.as_uri())
            record = json.loads((Path(work) / "jobs" / ".hosting" / "endpoints" /
                                 "bench.json").read_text())
            container = record["_url"]
            for label, rows in (("1 record", 1), ("1000 records", 1000)):
                body = "\n".join(",".join(f"{v:.4f}" for v in row)
                                 for row in rng.normal(size=(rows, 50))).encode()
                count = max(args.clients, args.requests // (1 if rows == 1 else 20))
                timings = {"container": [], "server": []}
                elapsed = {"container": 0.0, "server": 0.0}
                for _ in range(args.rounds):
                    for name, (target, path) in (("container", (container, "/invocations")),
                                                 ("server", (url, "/endpoints/bench/invocations"))):
                        start = time.perf_counter()
                        timings[name] += burst(target, path, body, count, args.clients)
                        elapsed[name] += time.perf_counter() - start
                rates = {n: len(timings[n]) / elapsed[n] for n in timings}
                for name in ("container", "server"):
                    p50, p99 = np.percentile(timings[name], [50, 99]) * 1000
                    print(f"{label:>12} {name:>9}: {rates[name]:8.1f} req/s  p50 {p50:6.2f} ms  "
                          f"p99 {p99:6.2f} ms")
                print(f"{label:>12} InvokeEndpoint via smemu server / container direct: "
                      f"{rates['server'] / rates['container']:.2f}x the rate")
        finally:
            process.terminate()
            process.wait(60)


if __name__ == "__main__":
    main()
