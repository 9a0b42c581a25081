"""Factorization Machines on a sparse RecordIO-protobuf channel: training records/s and peak RSS,
against (a) the RecordIO reader alone on the same file (the ceiling: what reading costs) and
(b) scikit-learn's SGDClassifier.partial_fit (a linear model, no pairwise term) on the same
batches, measured in the same run.

Issue 18's size: 1,000,000 records x 100,000 features, 20 non-zeros per record, num_factors 64:

    .venv/bin/python benchmarks/bench_factorization_machines.py [--rows 1000000] [--quick]

``--quick`` uses 20,000 records. The file is written once into a temporary directory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import SGDClassifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from smemu.algorithms import get_algorithm  # noqa: E402
from smemu.algorithms.reporting import Reporter  # noqa: E402
from smemu.formats import read_recordio_protobuf, write_recordio_protobuf  # noqa: E402


class FileChannel:
    """The train channel as the container hands it: batches read from one RecordIO file."""

    name, content_type = "train", "application/x-recordio-protobuf"

    def __init__(self, path):
        self.path = path

    def batches(self, batch_size):
        return read_recordio_protobuf(self.path, batch_size=batch_size)


def write_channel(path, rows, dim, nnz, seed=0):
    rng = np.random.default_rng(seed)
    with open(path, "wb") as f:
        for start in range(0, rows, 100_000):
            n = min(100_000, rows - start)
            cols = rng.integers(0, dim, size=(n, nnz))
            cols.sort(axis=1)
            X = sp.csr_matrix((np.ones(n * nnz, np.float32), cols.ravel(),
                               np.arange(0, n * nnz + 1, nnz)), shape=(n, dim))
            X.sum_duplicates()
            labels = (rng.random(n) < 0.5).astype(np.float32)
            write_recordio_protobuf(f, X, labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=100_000)
    parser.add_argument("--nnz", type=int, default=20)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="20,000 records")
    args = parser.parse_args()
    rows = 20_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.pbr"
        write_channel(path, rows, args.dim, args.nnz)
        size = path.stat().st_size

        start = time.perf_counter()
        read = sum(b.features.shape[0] for b in read_recordio_protobuf(path, batch_size=1000))
        read_s = time.perf_counter() - start

        algo = get_algorithm("factorization-machines")
        config = algo.schema.resolve({"feature_dim": str(args.dim), "num_factors":
                                      str(args.factors), "predictor_type": "binary_classifier"})
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        algo.train(config, {"train": FileChannel(path)}, Reporter(algo.metrics_name))
        fm_s = time.perf_counter() - start
        fm_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        linear = SGDClassifier(loss="log_loss")
        start = time.perf_counter()
        for batch in read_recordio_protobuf(path, batch_size=1000):
            linear.partial_fit(batch.features, batch.labels, classes=[0.0, 1.0])
        sgd_s = time.perf_counter() - start

    model_mb = args.dim * (args.factors + 1) * 4 * 2 / 2**20   # params + AdaGrad history
    print(f"sparse channel: {rows:,} records x {args.dim:,} features, {args.nnz} non-zeros "
          f"per record, {size / 2**20:.0f} MB; num_factors={args.factors}, one epoch")
    print(f"reader alone:                 {read / read_s:12,.0f} records/s")
    print(f"smemu factorization-machines: {rows / fm_s:12,.0f} records/s "
          f"({fm_s:.1f} s; peak RSS {fm_rss / 1024:.0f} MB, {before / 1024:.0f} MB before "
          f"training; model + optimiser state {model_mb:.0f} MB)")
    print(f"sklearn SGDClassifier (linear): {rows / sgd_s:10,.0f} records/s")
    print(f"ratio FM / reader: {read_s / fm_s:.2f}   ratio FM / linear SGD: {sgd_s / fm_s:.2f}")


if __name__ == "__main__":
    main()
