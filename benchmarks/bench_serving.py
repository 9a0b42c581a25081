"""Serving throughput and latency: requests/s and p50/p99 latency of ``smemu serve``'s container
(waitress, a k-means or linear learner model) for single-record and 1000-record requests, from a
load generator on loopback.

Reference, measured in the same run: the same waitress server (same thread count) answering every
request with a fixed body from a do-nothing WSGI application — the floor of the HTTP stack on this
machine. The script prints smemu's rate as a ratio of it.

    .venv/bin/python benchmarks/bench_serving.py [--requests 2000] [--seconds 10] [--clients 4]

Every scenario stops after --requests requests or --seconds seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

import numpy as np

from smemu.emulator.serving import LocalEndpoint, free_port
from smemu.formats import save_ndarrays, write_recordio_protobuf

_REFERENCE_APP = """
import logging, sys, waitress
logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # as smemu's serve does
def app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    body = b'{"predictions": [{"closest_cluster": 1.0, "distance_to_cluster": 3.0}]}'
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]),
               _quiet=True)
"""


def kmeans_tarball(directory: str, k: int, dim: int) -> str:
    centroids = np.random.default_rng(0).normal(size=(k, dim)).astype(np.float32)
    model = io.BytesIO()
    save_ndarrays(model, [centroids])
    path = os.path.join(directory, "model.tar.gz")
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("model_algo-1")
        info.size = len(model.getvalue())
        archive.addfile(info, io.BytesIO(model.getvalue()))
    return path


def bodies(rows: np.ndarray) -> dict[str, bytes]:
    recordio = io.BytesIO()
    write_recordio_protobuf(recordio, rows)
    return {
        "text/csv": "\n".join(",".join(f"{v:.6g}" for v in r) for r in rows).encode(),
        "application/json": json.dumps(
            {"instances": [{"features": r.tolist()} for r in rows]}).encode(),
        "application/x-recordio-protobuf": recordio.getvalue(),
    }


def load(port: int, method: str, path: str, body: bytes, headers: dict, clients: int,
         requests: int, seconds: float) -> dict:
    """``clients`` threads on keep-alive connections send requests until ``requests`` are done or
    ``seconds`` pass (after 10 unmeasured warm-up requests); returns the rate and latency
    percentiles."""
    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(10):
        warm.request(method, path, body=body, headers=headers)
        warm.getresponse().read()
    warm.close()
    latencies: list[float] = []
    lock = threading.Lock()
    remaining = [requests]
    deadline = time.perf_counter() + seconds
    errors = []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        try:
            while time.perf_counter() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        break
                    remaining[0] -= 1
                start = time.perf_counter()
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                mine.append(time.perf_counter() - start)
                if response.status != 200:
                    errors.append(response.status)
                    break
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"the server answered HTTP {errors[0]} on {path}")
    lat = np.array(latencies) * 1000
    return {"requests": len(lat), "rate": len(lat) / elapsed,
            "p50": float(np.percentile(lat, 50)), "p99": float(np.percentile(lat, 99))}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per scenario (default 2000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=4, help="server threads (both servers)")
    parser.add_argument("--k", type=int, default=10, help="k-means clusters")
    parser.add_argument("--dim", type=int, default=50, help="feature dimension")
    args = parser.parse_args(argv)

    rows = np.random.default_rng(1).normal(size=(1000, args.dim)).astype(np.float32)
    single, thousand = bodies(rows[:1]), bodies(rows)
    print(f"k-means model k={args.k} feature_dim={args.dim}; {args.clients} client connections, "
          f"{args.threads} server threads; each scenario: at most {args.requests} requests or "
          f"{args.seconds:g} s", flush=True)
    print(f"{'scenario':52} {'requests':>8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")

    def show(name, result):
        print(f"{name:52} {result['requests']:8d} {result['rate']:9.1f} {result['p50']:8.2f} "
              f"{result['p99']:8.2f}", flush=True)

    results = {}
    ref_port = free_port()
    reference = subprocess.Popen([sys.executable, "-c", _REFERENCE_APP, str(ref_port),
                                  str(args.threads)])
    try:
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", ref_port, timeout=1).connect()
                break
            except OSError:
                time.sleep(0.05)
        results["reference"] = load(ref_port, "POST", "/invocations", single["text/csv"],
                                    {"Content-Type": "text/csv"}, args.clients, args.requests,
                                    args.seconds)
        show("reference: bare waitress, fixed answer", results["reference"])
    finally:
        reference.terminate()
        reference.wait()

    env = {"SMEMU_SERVING_THREADS": str(args.threads)}
    with tempfile.TemporaryDirectory() as tmp, \
            LocalEndpoint(kmeans_tarball(tmp, args.k, args.dim), "kmeans", port=0,
                          on_log_line=lambda line: None, environment=env) as endpoint:
        port = endpoint.port
        show("smemu GET /ping", load(port, "GET", "/ping", b"", {}, args.clients, args.requests,
                                     args.seconds))
        for size, payloads in (("1 record", single), ("1000 records", thousand)):
            for content_type, body in payloads.items():
                name = f"smemu {size}, {content_type} -> json"
                results[name] = load(port, "POST", "/invocations", body,
                                     {"Content-Type": content_type,
                                      "Accept": "application/json"},
                                     args.clients, args.requests, args.seconds)
                show(name, results[name])
        name = "smemu 1000 records, recordio -> recordio"
        results[name] = load(port, "POST", "/invocations",
                             thousand["application/x-recordio-protobuf"],
                             {"Content-Type": "application/x-recordio-protobuf",
                              "Accept": "application/x-recordio-protobuf"},
                             args.clients, args.requests, args.seconds)
        show(name, results[name])

    ref = results["reference"]["rate"]
    single_csv = results["smemu 1 record, text/csv -> json"]["rate"]
    thousand_csv = results["smemu 1000 records, text/csv -> json"]["rate"]
    print(f"\nsmemu single-record CSV rate / bare waitress rate: {single_csv / ref:.2f}")
    print(f"smemu 1000-record CSV: {thousand_csv * 1000:,.0f} records/s "
          f"({thousand_csv / ref:.3f} of the bare waitress request rate)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
