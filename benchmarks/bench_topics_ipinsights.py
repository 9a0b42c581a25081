"""Speed, memory and quality of LDA, NTM and IP Insights, against references measured in the same run.

* LDA against scikit-learn's LatentDirichletAllocation (online variational Bayes, 10 passes) on
  a synthetic corpus of known topics: training time of each, and topic quality — the cosine of
  each true topic with its matched recovered one (Hungarian matching) and the adjusted Rand index
  of each document's dominant topic.
* LDA and NTM (one epoch) as real Pipe-mode jobs (local runner, fresh process) over a channel of
  sparse RecordIO-protobuf word counts (the issue's size: 1 GB; ``--quick``: 20 MB) and over a
  tenth of it: records per second, and the training process's peak RSS for both sizes (flat when
  the two peaks are close); the formats layer's plain read of the same files is the reference.
* IP Insights (File mode only, as the real one) in process over CSV files of entity,ip rows (same
  sizes): records per second of one epoch against the text reader's plain read of the files.

    .venv/bin/python benchmarks/bench_topics_ipinsights.py            # the issue's sizes
    .venv/bin/python benchmarks/bench_topics_ipinsights.py --quick    # small sizes, under a minute
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_kmeans_pipe_rss import run_worker  # noqa: E402
from channel_files import repeat_into_files  # noqa: E402
from scipy.optimize import linear_sum_assignment  # noqa: E402
from sklearn.decomposition import LatentDirichletAllocation  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from smemu.algorithms import get_algorithm  # noqa: E402
from smemu.algorithms.ipinsights.sample import synthetic_events  # noqa: E402
from smemu.algorithms.lda.inference import load_model as load_lda  # noqa: E402
from smemu.algorithms.reporting import Reporter  # noqa: E402
from smemu.algorithms.topic_models.corpus import synthetic_corpus  # noqa: E402
from smemu.formats import read_recordio_protobuf, write_recordio_protobuf  # noqa: E402
from smemu.formats.text import read_text_fields  # noqa: E402


class Batches:
    """An in-memory channel (one pass per ``batches`` call)."""

    def __init__(self, X, name="train", content_type="application/x-recordio-protobuf"):
        self.X, self.name, self.content_type = X, name, content_type

    def batches(self, batch_size):
        for lo in range(0, self.X.shape[0], batch_size):
            batch = type("Batch", (), {})()
            batch.features, batch.labels = self.X[lo:lo + batch_size], None
            batch.location = lambda row, lo=lo: f"record {lo + row}"
            yield batch


class TextFiles:
    def __init__(self, paths, name="train"):
        self.paths, self.name, self.content_type = paths, name, "text/csv"

    def batches(self, batch_size):
        for path in self.paths:
            yield from read_text_fields(path, 2, batch_size=batch_size)


def _matched_cosine(found, true):
    a = found / np.linalg.norm(found, axis=1, keepdims=True)
    b = true / np.linalg.norm(true, axis=1, keepdims=True)
    cos = a @ b.T
    rows, cols = linear_sum_assignment(-cos)
    return cos[rows, cols]


def lda_against_sklearn(k, vocabulary, documents):
    corpus = synthetic_corpus(np.random.default_rng(0), k=k, vocabulary=vocabulary,
                              documents=documents)
    X = sp.csr_matrix(corpus.counts)
    algo = get_algorithm("lda")
    config = algo.schema.resolve({"num_topics": str(k), "feature_dim": str(vocabulary),
                                  "mini_batch_size": "2000", "alpha0": str(corpus.alpha0)})
    t0 = time.perf_counter()
    artifact = algo.train(config, {"train": Batches(X)}, Reporter("AWS/LDA"))
    ours_s = time.perf_counter() - t0
    ours_mix = load_lda(artifact).predict(X)["topic_mixture"]
    t0 = time.perf_counter()
    sk = LatentDirichletAllocation(n_components=k, learning_method="online", max_iter=10,
                                   batch_size=2000, doc_topic_prior=corpus.alpha0 / k,
                                   random_state=0).fit(X)
    sk_s = time.perf_counter() - t0
    sk_mix = sk.transform(X)
    sk_topics = sk.components_ / sk.components_.sum(axis=1, keepdims=True)
    print(f"LDA, {documents} documents, {vocabulary} words, {k} topics")
    for name, seconds, topics, mix in (("smemu (spectral, 1 pass)", ours_s, artifact.arrays[1], ours_mix),
                                       ("scikit-learn (online VB, 10 passes)", sk_s, sk_topics, sk_mix)):
        cos = _matched_cosine(topics, corpus.topics)
        ari = adjusted_rand_score(corpus.dominant, mix.argmax(axis=1))
        print(f"  {name:38s} {seconds:7.2f} s   topic cosine min {cos.min():.3f} "
              f"mean {cos.mean():.3f}   dominant-topic ARI {ari:.3f}")
    print(f"  time ratio smemu / scikit-learn: {ours_s / sk_s:.2f}")


def _plain_read(paths):
    t0 = time.perf_counter()
    records = 0
    for path in paths:
        with open(path, "rb") as f:
            for batch in read_recordio_protobuf(f, batch_size=2000):
                records += batch.features.shape[0]
    return records, time.perf_counter() - t0


def pipe_jobs(megabytes, tmp: Path):
    corpus = synthetic_corpus(np.random.default_rng(1), k=10, vocabulary=2000, documents=2000,
                              words=100)
    block = io.BytesIO()
    write_recordio_protobuf(block, sp.csr_matrix(corpus.counts))
    print(f"\nPipe-mode jobs over sparse RecordIO-protobuf word counts (vocabulary 2000)")
    for size in (max(1, megabytes // 10), megabytes):
        paths = repeat_into_files(block.getvalue(), tmp / f"counts-{size}", size, 4, "pbr")
        records, read_s = _plain_read(paths)
        print(f"  {size} MB, {records} documents: plain read {records / read_s:,.0f} records/s")
        for repository, hyperparameters in (
                ("lda", {"num_topics": "10", "feature_dim": "2000", "mini_batch_size": "2000"}),
                ("ntm", {"num_topics": "10", "feature_dim": "2000", "mini_batch_size": "500",
                         "epochs": "1"})):
            result = run_worker(paths[0].parent, tmp / f"out-{repository}-{size}",
                                tmp / "store", f"bench-{repository}-{size}",
                                repository=repository, hyperparameters=hyperparameters)
            assert result["status"] == "Completed", result["reason"]
            rate = result["metrics"]["train:throughput"]     # the job's own #throughput_metric
            print(f"    {repository}: job {result['seconds']:6.1f} s (with process start), "
                  f"training {rate:,.0f} records/s ({rate * read_s / records:.2f} x the plain "
                  f"read), peak RSS {result['peak_rss_kb'] / 1024:.0f} MB")


def ipinsights_files(megabytes, tmp: Path):
    rows = synthetic_events(np.random.default_rng(2), entities=2000, events=20000)
    block = ("\n".join(f"{e},{ip}" for e, ip in rows) + "\n").encode()
    paths = repeat_into_files(block, tmp / "events", megabytes, 4, "csv")
    t0 = time.perf_counter()
    records = sum(len(b) for p in paths for b in read_text_fields(p, 2, batch_size=10000))
    read_s = time.perf_counter() - t0
    algo = get_algorithm("ipinsights")
    config = algo.schema.resolve({"num_entity_vectors": "4000", "vector_dim": "128",
                                  "epochs": "1"})
    t0 = time.perf_counter()
    algo.train(config, {"train": TextFiles(paths)}, Reporter("AWS/IPInsights"))
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nIP Insights, {megabytes} MB of entity,ip CSV ({records} rows), vector_dim 128, "
          f"1 epoch")
    print(f"  plain text read {records / read_s:,.0f} records/s; training "
          f"{records / seconds:,.0f} records/s ({read_s / seconds:.2f} x the plain read); "
          f"this process's peak RSS {peak:.0f} MB")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    args = parser.parse_args(argv)
    if args.quick:
        lda_args, megabytes, ipi_megabytes = (5, 200, 5000), 20, 2
    else:
        lda_args, megabytes, ipi_megabytes = (20, 2000, 50000), 1024, 200
    lda_against_sklearn(*lda_args)
    with tempfile.TemporaryDirectory(prefix="smemu-bench-") as tmp:
        pipe_jobs(megabytes, Path(tmp))
        ipinsights_files(ipi_megabytes, Path(tmp))


if __name__ == "__main__":
    main()
