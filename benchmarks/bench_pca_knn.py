"""Speed and memory of PCA and k-NN, against references measured in the same run.

PCA (regular mode) over a Pipe-mode channel of dense RecordIO-protobuf (the issue's size: 1 GB):
  * in-process: PCA's pass over the channel's files vs the formats layer's plain read of the same
    files (``read_recordio_protobuf`` in batches, nothing else): the ratio of the two times
    (claim: PCA within 2x of the plain read);
  * a real Pipe-mode job (local runner, fresh process): its wall time and the training
    process's peak RSS (claim: flat, < 300 MB).
k-NN on random 200,000 x 64 records and 10,000 queries (k=10, faiss.Flat, L2): smemu's index build
(sampling + Faiss) and its predictions, vs Faiss used directly (IndexFlatL2 add + search) and
scikit-learn's brute-force NearestNeighbors (fit + kneighbors); it prints the ratios.

    .venv/bin/python benchmarks/bench_pca_knn.py            # the issue's sizes
    .venv/bin/python benchmarks/bench_pca_knn.py --quick    # small sizes, a few seconds
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_kmeans_pipe_rss import run_worker  # noqa: E402
from channel_files import repeat_into_files  # noqa: E402
from smemu.algorithms import get_algorithm  # noqa: E402
from smemu.algorithms.knn.inference import load_model as load_knn  # noqa: E402
from smemu.algorithms.reporting import Reporter  # noqa: E402
from smemu.formats import read_recordio_protobuf, write_recordio_protobuf  # noqa: E402


class FilesChannel:
    """The channel's files read through the formats layer, as the container reads them."""

    def __init__(self, paths, name="train"):
        self.paths, self.name = paths, name
        self.content_type = "application/x-recordio-protobuf"

    def batches(self, batch_size):
        for path in self.paths:
            with open(path, "rb") as f:
                yield from read_recordio_protobuf(f, batch_size=batch_size, name=str(path))


class ArraysChannel:
    def __init__(self, X, y, name="train"):
        self.X, self.y, self.name = X, y, name
        self.content_type = "application/x-recordio-protobuf"

    def batches(self, batch_size):
        for lo in range(0, len(self.X), batch_size):
            batch = type("Batch", (), {})()
            batch.features, batch.labels = self.X[lo:lo + batch_size], self.y[lo:lo + batch_size]
            batch.location = lambda row, lo=lo: f"record {lo + row}"
            yield batch


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def pca_bench(args, tmp: Path) -> None:
    dim, batch = args.pca_dim, 1000
    X = np.random.default_rng(0).normal(size=(20_000, dim)).astype(np.float32)
    block = tmp / "block.pbr"
    write_recordio_protobuf(str(block), X)
    paths = repeat_into_files(block.read_bytes(), tmp / "pca", int(args.pca_gb * 1024), 4, "pbr")
    size = sum(p.stat().st_size for p in paths)
    records = size // block.stat().st_size * len(X)
    channel = FilesChannel(paths)

    def plain():
        for _ in channel.batches(batch):
            pass

    algo = get_algorithm("pca")
    config = algo.schema.resolve({"feature_dim": str(dim), "num_components": "10",
                                  "mini_batch_size": str(batch)})

    def train():
        algo.train(config, {"train": channel}, Reporter(algo.metrics_name))

    plain()                                     # page cache warm for both
    read_s, pca_s = best(plain, args.repeat), best(train, args.repeat)
    print(f"PCA regular, {size / 1e9:.2f} GB ({records} records x {dim}): plain formats read "
          f"{read_s:.2f}s ({records / read_s:,.0f} rec/s), PCA {pca_s:.2f}s "
          f"({records / pca_s:,.0f} rec/s): PCA / plain read = {pca_s / read_s:.2f}x (claim <= 2x)")
    job = run_worker(tmp / "pca", tmp / "out", tmp / "store", "bench-pca", repository="pca",
                     hyperparameters={"feature_dim": str(dim), "num_components": "10",
                                      "mini_batch_size": str(batch)})
    if job["status"] != "Completed":
        raise SystemExit(f"PCA job {job['status']}: {job['reason']}")
    print(f"PCA Pipe-mode job: {job['seconds']:.1f}s, peak RSS of the training process "
          f"{job['peak_rss_kb'] / 1024:.0f} MB (claim < 300 MB)")


def knn_bench(args) -> None:
    import faiss
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(1)
    X = rng.normal(size=(args.knn_rows, 64)).astype(np.float32)
    y = rng.integers(0, 10, size=args.knn_rows).astype(np.float32)
    Q = rng.normal(size=(args.knn_queries, 64)).astype(np.float32)
    k = 10
    algo = get_algorithm("knn")
    config = algo.schema.resolve({"feature_dim": "64", "k": str(k), "sample_size": str(len(X)),
                                  "predictor_type": "classifier", "mini_batch_size": "5000"})
    holder = {}

    def smemu_build():
        holder["artifact"] = algo.train(config, {"train": ArraysChannel(X, y)},
                                        Reporter(algo.metrics_name))

    def smemu_query():
        holder["answer"] = load_knn(holder["artifact"]).predict(Q)

    def faiss_build():
        holder["index"] = faiss.IndexFlatL2(64)
        holder["index"].add(X)

    def faiss_query():
        holder["faiss"] = holder["index"].search(Q, k)

    def sklearn_build():
        holder["nn"] = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(X)

    def sklearn_query():
        holder["sklearn"] = holder["nn"].kneighbors(Q)

    times = {}
    for name, build, query in (("smemu", smemu_build, smemu_query),
                               ("faiss", faiss_build, faiss_query),
                               ("sklearn", sklearn_build, sklearn_query)):
        times[name] = (best(build, args.repeat), best(query, args.repeat))
    same = np.mean(np.sort(holder["faiss"][1], 1) == np.sort(holder["sklearn"][1], 1))
    print(f"k-NN {len(X)} x 64, {len(Q)} queries, k={k} (faiss.Flat, L2; neighbour sets "
          f"faiss = sklearn for {100 * same:.2f}% of entries):")
    for name, (b, q) in times.items():
        print(f"  {name:8s} build {b:7.3f}s  queries {q:7.3f}s  total {b + q:7.3f}s")
    s_total = sum(times["smemu"])
    print(f"  smemu / faiss directly = {s_total / sum(times['faiss']):.2f}x, "
          f"smemu / sklearn brute = {s_total / sum(times['sklearn']):.2f}x "
          f"(queries only: {times['smemu'][1] / times['faiss'][1]:.2f}x, "
          f"{times['smemu'][1] / times['sklearn'][1]:.2f}x)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a few seconds")
    parser.add_argument("--pca-gb", type=float, default=1.0)
    parser.add_argument("--pca-dim", type=int, default=50)
    parser.add_argument("--knn-rows", type=int, default=200_000)
    parser.add_argument("--knn-queries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.quick:
        args.pca_gb, args.knn_rows, args.knn_queries, args.repeat = 0.05, 20_000, 1_000, 1
    with tempfile.TemporaryDirectory(prefix="smemu-bench-") as tmp:
        pca_bench(args, Path(tmp))
    knn_bench(args)


if __name__ == "__main__":
    main()
