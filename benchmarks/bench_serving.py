"""Serving throughput and latency: requests/s and p50/p99 latency of ``smemu serve``'s container
(waitress, a k-means or linear learner model) for single-record and 1000-record requests, from a
load generator on loopback.

Reference, measured in the same run: the same waitress server (same thread count) answering every
request with a fixed body from a do-nothing WSGI application — the floor of the HTTP stack on this
machine. The machine may be shared and busy, so each scenario alternates short bursts against the
reference and against smemu (--rounds of each) and compares the rates of those interleaved
windows: the ratio printed is smemu's rate over the reference's in the same stretch of time.

    .venv/bin/python benchmarks/bench_serving.py [--requests 2000] [--seconds 10] [--clients 4]

Each scenario sends at most --requests requests to smemu (and as many to the reference) and takes
at most about 2 x --seconds seconds.
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


def burst(port: int, method: str, path: str, body: bytes, headers: dict, clients: int,
          requests: int, seconds: float) -> tuple[list[float], float]:
    """``clients`` threads on keep-alive connections send requests until ``requests`` are done or
    ``seconds`` pass; returns each request's latency (s) and the elapsed time."""
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
    if errors:
        raise SystemExit(f"the server answered HTTP {errors[0]} on {path}")
    return latencies, time.perf_counter() - began


def summary(latencies: list[float], elapsed: float) -> dict:
    lat = np.array(latencies) * 1000
    return {"requests": len(lat), "rate": len(lat) / elapsed,
            "p50": float(np.percentile(lat, 50)), "p99": float(np.percentile(lat, 99))}


def compare(targets, body: bytes, headers: dict, args) -> tuple[dict, dict]:
    """Interleaved bursts against each (port, method, path) in ``targets`` (reference, smemu):
    their summaries over all rounds. 10 unmeasured warm-up requests go to each first."""
    for port, method, path in targets:
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(10):
            warm.request(method, path, body=body, headers=headers)
            warm.getresponse().read()
        warm.close()
    totals = [([], 0.0) for _ in targets]
    per_round = max(1, args.requests // args.rounds)
    for _ in range(args.rounds):
        for i, (port, method, path) in enumerate(targets):
            latencies, elapsed = burst(port, method, path, body, headers, args.clients,
                                       per_round, args.seconds / args.rounds)
            totals[i] = (totals[i][0] + latencies, totals[i][1] + elapsed)
    return tuple(summary(*t) for t in totals)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per scenario (default 2000)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="per scenario and server (default 10)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved bursts per scenario")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=4, help="server threads (both servers)")
    parser.add_argument("--k", type=int, default=10, help="k-means clusters")
    parser.add_argument("--dim", type=int, default=50, help="feature dimension")
    args = parser.parse_args(argv)

    rows = np.random.default_rng(1).normal(size=(1000, args.dim)).astype(np.float32)
    single, thousand = bodies(rows[:1]), bodies(rows)
    print(f"k-means model k={args.k} feature_dim={args.dim}; {args.clients} client connections, "
          f"{args.threads} server threads; each scenario: at most {args.requests} requests or "
          f"{args.seconds:g} s per server, in {args.rounds} interleaved rounds", flush=True)
    print(f"{'scenario':52} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'ref req/s':>9} {'ratio':>6}")

    scenarios = [("GET /ping", "GET", "/ping", b"", {})]
    for size, payloads in (("1 record", single), ("1000 records", thousand)):
        for content_type, body in payloads.items():
            scenarios.append((f"{size}, {content_type} -> json", "POST", "/invocations", body,
                              {"Content-Type": content_type, "Accept": "application/json"}))
    scenarios.append(("1000 records, recordio -> recordio", "POST", "/invocations",
                      thousand["application/x-recordio-protobuf"],
                      {"Content-Type": "application/x-recordio-protobuf",
                       "Accept": "application/x-recordio-protobuf"}))

    ref_port = free_port()
    reference = subprocess.Popen([sys.executable, "-c", _REFERENCE_APP, str(ref_port),
                                  str(args.threads)])
    env = {"SMEMU_SERVING_THREADS": str(args.threads)}
    ratios = {}
    try:
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", ref_port, timeout=1).connect()
                break
            except OSError:
                time.sleep(0.05)
        with tempfile.TemporaryDirectory() as tmp, \
                LocalEndpoint(kmeans_tarball(tmp, args.k, args.dim), "kmeans", port=0,
                              on_log_line=lambda line: None, environment=env) as endpoint:
            for name, method, path, body, headers in scenarios:
                ref, mine = compare([(ref_port, "POST", "/invocations"),
                                     (endpoint.port, method, path)], body, headers, args)
                ratios[name] = (mine["rate"], mine["rate"] / ref["rate"])
                print(f"{'smemu ' + name:52} {mine['requests']:8d} {mine['rate']:8.1f} "
                      f"{mine['p50']:7.2f} {mine['p99']:7.2f} {ref['rate']:9.1f} "
                      f"{mine['rate'] / ref['rate']:6.3f}", flush=True)
    finally:
        reference.terminate()
        reference.wait()

    rate, ratio = ratios["1 record, text/csv -> json"]
    print(f"\nsingle-record CSV requests: {rate:.0f}/s, {ratio:.2f} x the bare waitress rate")
    rate, ratio = ratios["1000 records, text/csv -> json"]
    print(f"1000-record CSV requests: {rate * 1000:,.0f} records/s, {ratio:.3f} x the bare "
          f"waitress request rate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
