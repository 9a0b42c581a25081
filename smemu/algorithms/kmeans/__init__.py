"""SageMaker's built-in K-Means ("AWS/KMeansWebscale").

Training streams the ``train`` channel for ``epochs`` passes through a web-scale mini-batch k-means
over ``k * extra_center_factor`` candidate centres (:mod:`.webscale`), shrinks the candidates to
``k`` centres with local Lloyd's trials (:mod:`.lloyd`), scores the optional ``test`` channel, and
returns the centroids as one float32 ``(k, feature_dim)`` NDArray.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Mapping

import numpy as np

from smemu.formats.sparse import issparse, scipy_sparse
from smemu.algorithms.base import Algorithm, DataChannel, ModelArtifact, checked_batches
from smemu.algorithms.data import as_float
from smemu.algorithms.hyperparameters import AUTO, Config
from smemu.algorithms.data import empty_channel
from smemu.algorithms.kmeans.checks import KMeansChecks, too_few_records
from smemu.algorithms.kmeans.distances import (
    blas_threads_for, centred, nearest, origin_of, row_sq_norms)
from smemu.algorithms.kmeans.lloyd import lloyd, shrink
from smemu.algorithms.kmeans.schema import (
    AUTO_EXTRA_CENTER_FACTOR, AUTO_LOCAL_LLOYD_NUM_TRIALS, resolve_auto)
from smemu.algorithms.kmeans.webscale import WebscaleKMeans, initial_centres
from smemu.algorithms.reporting import Reporter, Throughput

#: hyperparameters that shape the model; the random seed is derived from them alone
_MODEL_KEYS = ("feature_dim", "k", "init_method", "mini_batch_size", "epochs",
               "extra_center_factor", "local_lloyd_max_iter", "local_lloyd_tol",
               "local_lloyd_init_method", "local_lloyd_num_trials", "half_life_time_size")


def state_file_name(centroids: np.ndarray) -> str:
    """The real job's model.tar.gz holds a ``state_<uuid>`` file beside ``model_algo-1`` (GitHub
    aws/sagemaker-python-sdk#1164); what it holds is not published. smemu's is empty, and its
    UUID is derived from the centroids, so the same model gives the same tarball."""
    digest = hashlib.sha256(np.ascontiguousarray(centroids).tobytes()).digest()[:16]
    return f"state_{uuid.UUID(bytes=digest, version=4)}"


def model_seed(config: Config) -> int:
    """A fixed seed for these hyperparameters: same data + same hyperparameters = same model."""
    return config.seed(_MODEL_KEYS)


def _records(channel: DataChannel, batch_size: int, checks: KMeansChecks):
    """Checked float32 feature matrices of one pass over ``channel`` (the checks ``smemu validate``
    makes too)."""
    for batch in checked_batches(channel, batch_size, checks):
        yield as_float(batch.features)


def _stack(parts):
    if len(parts) == 1:
        return parts[0]
    if any(issparse(p) for p in parts):
        return scipy_sparse().vstack([scipy_sparse().csr_matrix(p) for p in parts], format="csr")
    return np.concatenate(parts)


def _counters(records: int, batches: int, total_records: int, total_batches: int, resets: int):
    return {
        "Total Records Seen": total_records, "Total Batches Seen": total_batches,
        "Max Records Seen Between Resets": records, "Max Batches Seen Between Resets": batches,
        "Reset Count": resets, "Number of Records Since Last Reset": records,
        "Number of Batches Since Last Reset": batches,
    }


class KMeans(Algorithm):
    def train(self, config: Config, channels: Mapping[str, DataChannel],
              reporter: Reporter) -> ModelArtifact:
        started = time.time()
        k, dim = config["k"], config["feature_dim"]
        factor = resolve_auto(config["extra_center_factor"], AUTO_EXTRA_CENTER_FACTOR)
        if config["extra_center_factor"] == AUTO:
            reporter.info("'extra_center_factor' was set to 'auto', evaluated to %d.", factor)
        rng = np.random.default_rng(model_seed(config))
        reporter.info("number of center slices 1")
        timings = {"initialize.time": 0.0, "update.time": 0.0}

        with blas_threads_for(config["mini_batch_size"], k * factor, dim):
            state, resident = self._stream(channels["train"], config, k * factor, rng, reporter,
                                           timings)
        t0 = time.time()
        centres, train_msd, shrink_ms = self._shrink(state, config, rng, reporter)
        if resident is not None:
            # the whole channel was in memory: finish with Lloyd's iterations on the records themselves
            data = centred(resident.astype(np.float64), state.origin)
            with blas_threads_for(data.shape[0], k, dim):
                centres, cost = lloyd(data, np.ones(data.shape[0]), centres,
                                      config["local_lloyd_max_iter"], config["local_lloyd_tol"])
            train_msd = cost / data.shape[0]
        reporter.quality("train", "msd", train_msd)
        if state.origin is not None:
            centres = centres + state.origin
        centroids = np.ascontiguousarray(centres, dtype=np.float32)
        reporter.metrics({**timings, "epochs": config["epochs"], "_shrink.time": shrink_ms,
                          "finalize.time": 1000 * (time.time() - t0)}, start=started)

        if "test" in channels:
            self._score(channels["test"], centroids, state.origin, config, reporter)
        else:
            reporter.info("Test data is not provided.")
        reporter.metrics({"totaltime": 1000 * (time.time() - started)}, start=started)
        return ModelArtifact(arrays=[centroids], layout="ndarray",
                             extra_files={state_file_name(centroids): b""})

    def _stream(self, train: DataChannel, config: Config, n_centres: int, rng, reporter,
                timings) -> tuple[WebscaleKMeans, object]:
        """``epochs`` passes of web-scale k-means. Returns the candidates, and the last pass's
        records when that pass was small enough to be held whole (else None)."""
        k, mini_batch, epochs = config["k"], config["mini_batch_size"], config["epochs"]
        buffer_rows = max(mini_batch, n_centres)
        state: WebscaleKMeans | None = None
        total_records = total_batches = 0
        throughput = Throughput()
        held: list | None = None
        for epoch in range(epochs):
            epoch_start = time.time()
            records = batches = 0
            held = []  # this pass's batches, while they fit in one initial batch
            pending: list = []  # batches waiting for enough rows to start the candidates from
            for X in _records(train, mini_batch, self.input_checks(config)):
                records += X.shape[0]
                batches += 1
                throughput.add(X.shape[0])
                if held is not None:
                    held = held + [X] if records <= buffer_rows else None
                if state is None:
                    pending.append(X)
                    if records >= buffer_rows:  # enough rows to start the candidates from
                        state = self._begin(pending, config, n_centres, rng, reporter,
                                            timings, _counters(records, batches, records, batches, 0))
                        pending = []
                    continue
                t0 = time.perf_counter()
                state.update(X)
                timings["update.time"] += 1000 * (time.perf_counter() - t0)
            if records == 0:
                raise empty_channel(train.name)
            if state is None:  # the whole pass is smaller than one initial batch
                if records < k:
                    raise too_few_records(train.name, records, k)
                state = self._begin(pending, config, n_centres, rng, reporter, timings,
                                    _counters(records, batches, records, batches, 0))
            total_records += records
            total_batches += batches
            reporter.info("processed a total of %d examples", records)
            reporter.progress((epoch + 1) / epochs)
            reporter.metrics(_counters(records, batches, total_records, total_batches, epoch + 1),
                             start=epoch_start, epoch=epoch, Meta="training_data_iter")
        reporter.throughput(throughput.per_second)
        return state, (_stack(held) if held else None)

    @staticmethod
    def _begin(parts, config, n_centres, rng, reporter, timings, counters) -> WebscaleKMeans:
        """Candidates from the first ``mini_batch_size`` rows (fewer if the channel is smaller),
        then those rows folded in as the first mini-batch."""
        t0 = time.time()
        X = _stack(parts)
        rows = X.shape[0]
        if rows < config["mini_batch_size"]:
            reporter.warning(
                "Batch size %d is bigger than the first batch data. "
                "Effective batch size used to initialize is %d", config["mini_batch_size"], rows)
        origin = origin_of(X)
        state = WebscaleKMeans(
            initial_centres(centred(X, origin), min(n_centres, rows), config["init_method"], rng),
            config["half_life_time_size"], origin)
        timings["initialize.time"] += 1000 * (time.time() - t0)
        reporter.metrics(counters, start=t0, Meta="init_train_data_iter")
        t1 = time.perf_counter()
        state.update(X)
        timings["update.time"] += 1000 * (time.perf_counter() - t1)
        return state

    @staticmethod
    def _shrink(state: WebscaleKMeans, config: Config, rng, reporter):
        """The candidates reduced to k centres: (centres, mean square distance, milliseconds)."""
        t0 = time.time()
        k = config["k"]
        live = state.counts > 0
        points = state.centres[live]
        reporter.info("shrinking %d centers into %d", len(points), k)
        with blas_threads_for(len(points), k, points.shape[1]):
            result = shrink(
                points, state.counts[live], state.scatter[live], k,
                trials=resolve_auto(config["local_lloyd_num_trials"], AUTO_LOCAL_LLOYD_NUM_TRIALS),
                init_method=config["local_lloyd_init_method"],
                max_iter=config["local_lloyd_max_iter"], tol=config["local_lloyd_tol"], rng=rng,
                on_trial=lambda i, msd: reporter.info(
                    "local kmeans attempt #%d. Current mean square distance %f", i, msd))
        reporter.info("finished shrinking process. Mean Square Distance = %s", result.msd)
        return result.centres, result.msd, 1000 * (time.time() - t0)

    @staticmethod
    def _score(channel: DataChannel, centroids: np.ndarray, origin, config: Config,
               reporter: Reporter) -> dict:
        """``msd``/``ssd`` of ``channel`` against ``centroids``, logged as the built-in logs them."""
        centres = centred(centroids, origin)
        c_sq = row_sq_norms(centres)
        ssd, records = 0.0, 0
        with blas_threads_for(config["mini_batch_size"], *centroids.shape):
            for X in _records(channel, config["mini_batch_size"], KMeansChecks(config)):
                _, dist = nearest(centred(X, origin), centres, c_sq=c_sq)
                ssd += float(dist.sum())
                records += X.shape[0]
        if records == 0:
            raise empty_channel(channel.name)
        values = {"msd": ssd / records, "ssd": ssd}
        for metric in config["eval_metrics"]:
            reporter.score(channel.name, metric, values[metric])
            reporter.quality(channel.name, metric, values[metric])
        return values


__all__ = ["KMeans"]
