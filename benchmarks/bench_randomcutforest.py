"""Random Cut Forest: training (one pass of reservoir sampling + cutting the trees) and scoring
throughput against scikit-learn's IsolationForest (fit; score_samples) on the same data, with
the same number of trees and samples per tree, measured in the same run; and both ROC AUCs on
the injected anomalies.

    .venv/bin/python benchmarks/bench_randomcutforest.py [--rows 100000] [--dim 10] [--quick]

Defaults: 100,000 records x 10 features (1% anomalous along one axis), 100 trees of 256 samples
(RCF's defaults). ``--quick``: 10,000 records.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "algorithms"))

from channels import ArrayChannel  # noqa: E402  (tests/algorithms/channels.py)

from smemu.algorithms import get_algorithm  # noqa: E402
from smemu.algorithms.randomcutforest import scoring  # noqa: E402
from smemu.algorithms.randomcutforest.forest import Forest  # noqa: E402
from smemu.algorithms.reporting import Reporter  # noqa: E402


def data(rows, dim, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, dim)).astype(np.float32)
    y = np.zeros(rows)
    far = rng.choice(rows, rows // 100, replace=False)
    y[far] = 1
    X[far, rng.integers(0, dim, far.size)] += (rng.choice([-1, 1], far.size)
                                               * rng.uniform(3.5, 5, far.size)).astype(np.float32)
    return X, y


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=10)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--quick", action="store_true", help="10,000 records")
    args = parser.parse_args()
    rows = 10_000 if args.quick else args.rows
    X, y = data(rows, args.dim)

    algo = get_algorithm("randomcutforest")
    config = algo.schema.resolve({"feature_dim": str(args.dim), "num_trees": str(args.trees),
                                  "num_samples_per_tree": str(args.samples)})
    train_s, artifact = timed(lambda: algo.train(config, {"train": ArrayChannel(X)},
                                                 Reporter(algo.metrics_name)))
    forest = Forest.from_arrays(artifact.arrays)
    score_s, ours = timed(lambda: scoring.codisp_scores(forest, X))

    iso = IsolationForest(n_estimators=args.trees, max_samples=args.samples, random_state=0)
    iso_train_s, _ = timed(lambda: iso.fit(X))
    iso_score_s, theirs = timed(lambda: -iso.score_samples(X))

    compiled = "compiled" if scoring._codisp_c is not None else "numpy"
    print(f"{rows:,} records x {args.dim} features, {args.trees} trees x {args.samples} samples")
    print(f"training: smemu RCF {rows / train_s:10,.0f} records/s ({train_s:.2f} s)   "
          f"IsolationForest.fit {rows / iso_train_s:10,.0f} records/s ({iso_train_s:.2f} s)   "
          f"ratio {iso_train_s / train_s:.2f}")
    print(f"scoring:  smemu RCF ({compiled}) {rows / score_s:10,.0f} records/s ({score_s:.2f} s)   "
          f"IsolationForest {rows / iso_score_s:10,.0f} records/s ({iso_score_s:.2f} s)   "
          f"ratio {iso_score_s / score_s:.2f}")
    print(f"ROC AUC: smemu RCF {roc_auc_score(y, ours):.4f}   "
          f"IsolationForest {roc_auc_score(y, theirs):.4f}")


if __name__ == "__main__":
    main()
