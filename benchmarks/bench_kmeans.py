"""K-Means: smemu's final SSD against scikit-learn's KMeans(n_init=1), and its training time
against scikit-learn's MiniBatchKMeans, measured in the same run on the same data.

Claims (issue 4): SSD ratio <= 1.01 and time ratio <= 1.0 on 200,000 x 50 Gaussian blobs (k=20)
and on scikit-learn's digits (k=10).

    .venv/bin/python benchmarks/bench_kmeans.py [--rows 200000] [--dim 50] [--k 20] [--repeat 3]

smemu trains through the algorithm's own interface on an in-memory channel (no files), with
SageMaker's default hyperparameters; times are the best of ``--repeat`` runs. ``--hard`` adds
k=500 blobs (100,000 x 50), shuffled and sorted by cluster (data that arrive in order).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import load_digits, make_blobs
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "algorithms"))

from channels import ArrayChannel  # noqa: E402  (tests/algorithms/channels.py)

from smemu.algorithms import get_algorithm  # noqa: E402
from smemu.algorithms.kmeans.distances import nearest  # noqa: E402
from smemu.algorithms.reporting import Reporter  # noqa: E402


def ssd(X, centres) -> float:
    return float(nearest(np.asarray(X, np.float64), np.asarray(centres, np.float64))[1].sum())


def best_time(fn, repeat):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def smemu_kmeans(X, k, **hyperparameters):
    algo = get_algorithm("kmeans")
    given = {"k": str(k), "feature_dim": str(X.shape[1])}
    given.update({key: str(value) for key, value in hyperparameters.items()})
    config = algo.schema.resolve(given)
    return algo.train(config, {"train": ArrayChannel(X)}, Reporter(algo.metrics_name)).arrays[0]


def compare(name, X, k, repeat, seed):
    X = np.ascontiguousarray(X, dtype=np.float32)
    t_smemu, ours = best_time(lambda: smemu_kmeans(X, k), repeat)
    t_mbk, mbk = best_time(lambda: MiniBatchKMeans(k, random_state=seed).fit(X), repeat)
    t_km, km = best_time(lambda: SkKMeans(k, n_init=1, random_state=seed).fit(X), repeat)
    ssd_ours, ssd_km, ssd_mbk = ssd(X, ours), ssd(X, km.cluster_centers_), ssd(X, mbk.cluster_centers_)
    print(f"{name}: {X.shape[0]} x {X.shape[1]}, k={k}")
    print(f"  final SSD  smemu {ssd_ours:.6g} | KMeans(n_init=1) {ssd_km:.6g} | "
          f"MiniBatchKMeans {ssd_mbk:.6g}")
    print(f"  SSD ratio smemu / KMeans(n_init=1)       = {ssd_ours / ssd_km:.4f}  (claim <= 1.01)")
    print(f"  train time  smemu {t_smemu:.3f}s | MiniBatchKMeans {t_mbk:.3f}s | KMeans {t_km:.3f}s")
    print(f"  time ratio smemu / MiniBatchKMeans       = {t_smemu / t_mbk:.3f}  (claim <= 1.0)")
    return ssd_ours / ssd_km, t_smemu / t_mbk


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=50)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hard", action="store_true", help="also k=500, shuffled and sorted")
    parser.add_argument("--threads", type=int, default=None,
                        help="cap BLAS and OpenMP threads for both sides (default: libraries' own)")
    args = parser.parse_args(argv)
    if args.threads:
        threadpool_limits(args.threads)  # for the rest of the process, both libraries alike
        print(f"(BLAS and OpenMP capped at {args.threads} thread(s))")
    logging.getLogger("smemu").setLevel(logging.ERROR)  # the algorithm's log lines are not the point here
    X, _ = make_blobs(args.rows, args.dim, centers=args.k, random_state=args.seed)
    compare("Gaussian blobs", X, args.k, args.repeat, args.seed)
    compare("scikit-learn digits", load_digits().data, 10, args.repeat, args.seed)
    if args.hard:
        rng = np.random.default_rng(args.seed)
        centres = rng.uniform(-10, 10, size=(500, 50))
        X = np.concatenate([c + rng.normal(size=(200, 50)) for c in centres])
        compare("blobs sorted by cluster", X, 500, 1, args.seed)
        rng.shuffle(X)
        compare("the same blobs shuffled", X, 500, 1, args.seed)


if __name__ == "__main__":
    main()
