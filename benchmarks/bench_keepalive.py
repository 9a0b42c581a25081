"""Many keep-alive clients at once: p50/p99/max latency of ``smemu serve``'s container (k-means)
when --clients clients (200 by default) each hold one kept-alive connection and send requests
one after another.

Reference, measured in the same run: waitress with its default settings (100 connections, 120 s
idle timeout) answering the same requests with a fixed body from a do-nothing WSGI application.
With more clients than its connection limit, the clients past the limit wait for an idle one to
time out — the ~150 s stall issue 14 reported; smemu's settings must answer every client within
about a second of its turn. The reference's figures are cut off at --timeout seconds a request.

    .venv/bin/python benchmarks/bench_keepalive.py [--clients 200] [--requests 5] [--quick]

--quick: 120 clients, 2 requests each, 5 s time-out (a few seconds).
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from smemu.emulator.serving import LocalEndpoint, free_port

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from bench_serving import _REFERENCE_APP, kmeans_tarball  # noqa: E402

BODY = b"0.5,1.5,-2.0,3.0,0.25,1.0,2.0,-1.0\n"


def run_clients(port: int, clients: int, requests: int, timeout: float) -> dict:
    latencies, errors = [], []
    lock = threading.Lock()
    start = threading.Barrier(clients)
    finish = threading.Barrier(clients)   # kept-alive connections stay open until all are done

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.connect()
            start.wait()
            for _ in range(requests):
                began = time.perf_counter()
                try:
                    connection.request("POST", "/invocations", body=BODY,
                                       headers={"Content-Type": "text/csv"})
                    response = connection.getresponse()
                    response.read()
                    ok = response.status == 200
                except OSError as exc:      # a time-out counts as an error at --timeout
                    ok = False
                    with lock:
                        errors.append(type(exc).__name__)
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)
                    if not ok and not errors:
                        errors.append("status")
            try:
                finish.wait(timeout * requests + 5)
            except threading.BrokenBarrierError:
                pass
        finally:
            connection.close()

    wall = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:    # one thread a client, all at once
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    wall = time.perf_counter() - wall
    values = np.array(latencies)
    return {"p50": np.percentile(values, 50), "p99": np.percentile(values, 99),
            "max": values.max(), "errors": len(errors), "wall": wall, "n": len(values)}


def show(label: str, figures: dict) -> None:
    print(f"{label:<34} {figures['n']:>5} requests  p50 {figures['p50'] * 1000:8.1f} ms  "
          f"p99 {figures['p99'] * 1000:9.1f} ms  max {figures['max'] * 1000:9.1f} ms  "
          f"errors {figures['errors']:>4}  wall {figures['wall']:6.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.clients, args.requests, args.timeout = 120, 2, 5.0

    with tempfile.TemporaryDirectory() as tmp:
        model = kmeans_tarball(tmp, k=10, dim=8)
        with LocalEndpoint(model, "kmeans", port=0, on_log_line=lambda line: None) as endpoint:
            smemu = run_clients(endpoint.port, args.clients, args.requests, args.timeout)
        port = free_port()
        reference = subprocess.Popen([sys.executable, "-c", _REFERENCE_APP, str(port), "4"])
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            default = run_clients(port, args.clients, args.requests, args.timeout)
        finally:
            reference.terminate()
            reference.wait()
    print(f"{args.clients} keep-alive clients x {args.requests} requests each")
    show("smemu serve (k-means)", smemu)
    show("reference: waitress defaults", default)
    print(f"p99 ratio smemu / reference: {smemu['p99'] / default['p99']:.3f}   "
          f"max ratio: {smemu['max'] / default['max']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
