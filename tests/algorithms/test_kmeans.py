"""K-Means as SageMaker's built-in: hyperparameters, clustering quality, bad data, log lines."""

import logging
import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs

from smemu.algorithms import get_algorithm
from smemu.algorithms.errors import DataError, HyperparameterError
from smemu.algorithms.kmeans import KMeans
from smemu.algorithms.kmeans.schema import SCHEMA as KMEANS_SCHEMA
from smemu.algorithms.reporting import Reporter

from channels import ArrayChannel  # tests/algorithms/channels.py


def train(X, labels=None, test=None, max_batch=None, **hyperparameters):
    algo = get_algorithm("kmeans")
    given = {"feature_dim": str(X.shape[1]), **{k: str(v) for k, v in hyperparameters.items()}}
    config = algo.schema.resolve(given)
    channels = {"train": ArrayChannel(X, labels, max_batch=max_batch)}
    if test is not None:
        channels["test"] = ArrayChannel(test, name="test")
    artifact = algo.train(config, channels, Reporter(algo.metrics_name))
    return artifact, channels


def ssd(X, centres):
    X = X.toarray() if sp.issparse(X) else X
    d = ((X[:, None, :].astype(np.float64) - centres[None].astype(np.float64)) ** 2).sum(-1)
    return d.min(axis=1).sum()


@pytest.fixture(scope="module")
def blobs():
    X, y, centres = make_blobs(6000, 8, centers=6, cluster_std=1.0, random_state=3,
                               return_centers=True)
    return X.astype(np.float32), y, centres


# hyperparameters ---------------------------------------------------------------------------------

def test_registered_under_its_ecr_name():
    algo = get_algorithm("kmeans")
    assert isinstance(algo, KMeans)
    assert algo.metrics_name == "AWS/KMeansWebscale" and algo.descriptor.optional_channels == ("test",)


def test_defaults_are_the_containers():
    # as the real container prints them (python3 image, default-input.json), in its order
    assert list(KMEANS_SCHEMA.defaults().items()) == [
        ("init_method", "random"), ("mini_batch_size", "5000"), ("epochs", "1"),
        ("extra_center_factor", "auto"), ("local_lloyd_max_iter", "300"),
        ("local_lloyd_tol", "0.0001"), ("local_lloyd_init_method", "kmeans++"),
        ("local_lloyd_num_trials", "auto"), ("half_life_time_size", "0"),
        ("eval_metrics", '["msd"]'), ("force_dense", "true"), ("_disable_wait_to_read", "false"),
        ("_enable_profiler", "false"), ("_kvstore", "auto"), ("_log_level", "info"),
        ("_num_gpus", "auto"), ("_num_kv_servers", "1"), ("_num_slices", "1"),
        ("_tuning_objective_metric", "")]
    assert KMEANS_SCHEMA.required == ["feature_dim", "k"]


def test_accepts_what_the_sdk_sends():
    config = KMEANS_SCHEMA.resolve({
        "feature_dim": "7", "k": "8", "force_dense": "True", "eval_metrics": '["ssd", "msd"]',
        "extra_center_factor": "4", "local_lloyd_num_trials": "3", "init_method": "kmeans++",
        "half_life_time_size": "1000", "_tuning_objective_metric": "test:msd"})
    assert config["k"] == 8 and config["force_dense"] is True
    assert config["eval_metrics"] == ["ssd", "msd"] and config["extra_center_factor"] == 4


@pytest.mark.parametrize("given, words", [
    ({"feature_dim": "7"}, ["No value(s) were specified for 'k'"]),
    ({"k": "3"}, ["'feature_dim'"]),
    ({"k": "0", "feature_dim": "7"}, ["'0'", "'k'", "positive integer"]),
    ({"k": "2.5", "feature_dim": "7"}, ["'2.5'", "'k'"]),
    ({"k": "3", "feature_dim": "7", "init_method": "kmeans"}, ["'init_method'", "'kmeans++'"]),
    ({"k": "3", "feature_dim": "7", "local_lloyd_init_method": "x"}, ["'local_lloyd_init_method'"]),
    ({"k": "3", "feature_dim": "7", "local_lloyd_tol": "1.5"}, ["'local_lloyd_tol'", "[0, 1]"]),
    ({"k": "3", "feature_dim": "7", "local_lloyd_max_iter": "0"}, ["'local_lloyd_max_iter'"]),
    ({"k": "3", "feature_dim": "7", "extra_center_factor": "0"},
     ["'extra_center_factor'", "'auto' or a positive integer"]),
    ({"k": "3", "feature_dim": "7", "local_lloyd_num_trials": "many"}, ["'local_lloyd_num_trials'"]),
    ({"k": "3", "feature_dim": "7", "half_life_time_size": "-1"}, ["'half_life_time_size'"]),
    ({"k": "3", "feature_dim": "7", "eval_metrics": '["mse"]'}, ["'eval_metrics'", '"msd", "ssd"']),
    ({"k": "3", "feature_dim": "7", "mini_batch_size": "0"}, ["'mini_batch_size'"]),
    ({"k": "3", "feature_dim": "7", "epochs": "0"}, ["'epochs'"]),
    ({"k": "3", "feature_dim": "7", "mini_batch_siz": "10"},
     ["Additional properties are not allowed ('mini_batch_siz' was unexpected)"]),
])
def test_refuses_what_sagemaker_refuses(given, words):
    with pytest.raises(HyperparameterError) as err:
        KMEANS_SCHEMA.resolve(given)
    for word in words:
        assert word in str(err.value)


# quality -----------------------------------------------------------------------------------------

def _match(found, true):
    """Distance from each true centre to the nearest found centre."""
    return np.sqrt(((true[:, None, :] - found[None]) ** 2).sum(-1)).min(axis=1)


def test_artifact_is_one_float32_centroid_matrix(blobs):
    X, _, _ = blobs
    artifact, _ = train(X, k=6)
    assert artifact.layout == "ndarray" and len(artifact.arrays) == 1
    (centroids,) = artifact.arrays
    assert centroids.dtype == np.float32 and centroids.shape == (6, 8)


@pytest.mark.parametrize("hyperparameters", [
    {},                                                      # one batch, defaults
    {"mini_batch_size": 500},                                # streamed over 12 batches
    {"mini_batch_size": 400, "epochs": 3, "init_method": "kmeans++"},
    {"mini_batch_size": 300, "half_life_time_size": 2000, "local_lloyd_init_method": "random"},
    {"mini_batch_size": 1000, "extra_center_factor": 2, "local_lloyd_num_trials": 1},
])
def test_recovers_blob_centres_as_well_as_sklearn(blobs, hyperparameters):
    X, _, true = blobs
    artifact, channels = train(X, k=6, **hyperparameters)
    centroids = artifact.arrays[0]
    assert channels["train"].passes == hyperparameters.get("epochs", 1)
    assert _match(centroids, true).max() < 0.15
    reference = SkKMeans(6, n_init=1, random_state=0).fit(X)
    assert ssd(X, centroids) <= 1.01 * reference.inertia_


@pytest.mark.parametrize("max_batch, epochs", [(3000, 1), (70, 2), (None, 3)])
def test_every_record_is_folded_in_once_per_epoch(blobs, monkeypatch, max_batch, epochs):
    # short batches (as at file ends) are held until there are enough rows to start from
    from smemu.algorithms.kmeans import webscale

    seen = []
    original = webscale.WebscaleKMeans.update
    monkeypatch.setattr(webscale.WebscaleKMeans, "update",
                        lambda self, X: seen.append(X.shape[0]) or original(self, X))
    X, _, true = blobs
    artifact, _ = train(X, k=6, max_batch=max_batch, epochs=epochs, mini_batch_size=5000)
    assert sum(seen) == epochs * len(X)
    assert _match(artifact.arrays[0], true).max() < 0.15


@pytest.mark.parametrize("dim, k", [(2, 3), (10, 8)])
def test_data_sorted_by_cluster_still_finds_every_cluster(dim, k):
    # clusters arriving one after another: later ones must not be absorbed by earlier candidates
    rng = np.random.default_rng(2)
    true = rng.uniform(-10, 10, size=(k, dim))
    X = np.concatenate([c + rng.normal(size=(2000, dim)) for c in true]).astype(np.float32)
    artifact, _ = train(X, k=k, mini_batch_size=1000)
    assert _match(artifact.arrays[0], true).max() < 0.15
    assert ssd(X, artifact.arrays[0]) <= 1.01 * SkKMeans(k, n_init=1, random_state=0).fit(X).inertia_


@pytest.mark.parametrize("mini_batch_size", [1000, 5000])  # streamed; held whole
def test_data_far_from_zero(caplog, mini_batch_size):
    # float32 ||x||^2 - 2x.c + ||c||^2 around 10^4 would drown distances of order 1
    X, _ = make_blobs(4000, 10, centers=5, center_box=(-5, 5), random_state=0)
    X = (X + 1e4).astype(np.float32)
    with caplog.at_level(logging.INFO, logger="smemu"):
        artifact, _ = train(X, test=X[::7], k=5, mini_batch_size=mini_batch_size,
                            eval_metrics='["ssd"]')
    reference = SkKMeans(5, n_init=1, random_state=0).fit(X)
    assert ssd(X, artifact.arrays[0]) <= 1.01 * reference.inertia_
    (line,) = [m for m in _messages(caplog) if m.startswith("#quality_metric: host=algo-1, test ssd")]
    assert float(line.split("=")[-1]) == pytest.approx(ssd(X[::7], artifact.arrays[0]), rel=1e-3)


@pytest.mark.parametrize("rows, mini_batch_size", [(6000, 700), (3000, 5000)])  # streamed; held whole
def test_sparse_input_gives_the_dense_result(blobs, rows, mini_batch_size):
    X, _, _ = blobs
    Xs = X[:rows].copy()
    Xs[np.abs(Xs) < 2] = 0  # make it genuinely sparse
    dense, _ = train(Xs, k=6, mini_batch_size=mini_batch_size)
    sparse, _ = train(sp.csr_matrix(Xs), k=6, mini_batch_size=mini_batch_size)
    np.testing.assert_allclose(sparse.arrays[0], dense.arrays[0], rtol=1e-4, atol=1e-4)


def test_sparse_high_dimensional_clusters():
    rng = np.random.default_rng(0)
    n, dim, k = 3000, 2000, 5
    label = rng.integers(k, size=n)
    cols = label[:, None] * 40 + rng.integers(40, size=(n, 6))  # each cluster owns 40 features
    rows = np.repeat(np.arange(n), 6)
    X = sp.csr_matrix((np.ones(n * 6, np.float32), (rows, cols.ravel())), shape=(n, dim))
    X.sum_duplicates()
    artifact, _ = train(X, k=k, mini_batch_size=600)
    reference = SkKMeans(k, n_init=1, random_state=0).fit(X)
    assert ssd(X, artifact.arrays[0]) <= 1.01 * reference.inertia_
    # each centroid puts its mass on one cluster's features
    owner = artifact.arrays[0].reshape(k, -1)[:, :k * 40].reshape(k, k, 40).sum(-1).argmax(1)
    assert sorted(owner) == list(range(k))


def test_reproducible_and_labels_ignored(blobs):
    X, y, _ = blobs
    first, _ = train(X, k=6, mini_batch_size=500)
    again, _ = train(X, y, k=6, mini_batch_size=500)
    np.testing.assert_array_equal(first.arrays[0], again.arrays[0])


def test_fewer_records_than_candidates_still_clusters():
    X, _ = make_blobs(30, 3, centers=3, cluster_std=0.1, random_state=1)
    artifact, _ = train(X.astype(np.float32), k=3)  # 30 records, 30 < 3 * 10 candidates
    assert ssd(X, artifact.arrays[0]) <= 1.01 * SkKMeans(3, n_init=1, random_state=0).fit(X).inertia_


# bad data ----------------------------------------------------------------------------------------

def test_width_mismatch_names_channel_record_and_both_widths(blobs):
    X, _, _ = blobs
    algo = get_algorithm("kmeans")
    config = algo.schema.resolve({"k": "3", "feature_dim": "9"})
    with pytest.raises(DataError) as err:
        algo.train(config, {"train": ArrayChannel(X)}, Reporter(algo.metrics_name))
    message = str(err.value)
    for word in ["'train'", "(8,", "record 0 of file train/part-0.pbr", "feature_dim", "(9)"]:
        assert word in message


def test_test_channel_width_mismatch(blobs):
    X, _, _ = blobs
    with pytest.raises(DataError, match="'test'.*record 0 of file test/part-0.pbr"):
        train(X, k=3, test=X[:10, :5])


def test_nan_is_named_by_record(blobs):
    X, _, _ = blobs
    X = X.copy()
    X[1234, 3] = np.nan
    with pytest.raises(DataError, match=r"Found missing \(NaN\) values.* record 1234 of file"):
        train(X, k=3, mini_batch_size=1000)


def test_infinite_value_in_sparse_input():
    X = sp.csr_matrix(np.eye(50, dtype=np.float32))
    X.data[7] = np.inf
    with pytest.raises(DataError, match="record 7 of file"):
        train(X, k=2)


def test_empty_channel():
    with pytest.raises(DataError, match="Channel 'train' has no records"):
        train(np.zeros((0, 4), np.float32), k=2)


def test_empty_test_channel(blobs):
    X, _, _ = blobs
    with pytest.raises(DataError, match="Channel 'test' has no records"):
        train(X, k=2, test=np.zeros((0, 8), np.float32))


def test_fewer_records_than_k():
    with pytest.raises(DataError, match="has 4 records, fewer than k=5"):
        train(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32), k=5)


# log lines ---------------------------------------------------------------------------------------

def _messages(caplog):
    return [r.getMessage() for r in caplog.records]


def test_logs_like_the_builtin(caplog):
    X, _ = make_blobs(3218, 7, centers=8, random_state=0)
    with caplog.at_level(logging.INFO, logger="smemu"):
        train(X.astype(np.float32), k=8)
    lines = _messages(caplog)
    assert "'extra_center_factor' was set to 'auto', evaluated to 10." in lines
    assert ("Batch size 5000 is bigger than the first batch data. "
            "Effective batch size used to initialize is 3218") in lines
    assert "processed a total of 3218 examples" in lines
    assert "#progress_metric: host=algo-1, completed 100.0 % of epochs" in lines
    assert "shrinking 80 centers into 8" in lines
    attempts = [line for line in lines if line.startswith("local kmeans attempt #")]
    assert len(attempts) == 10 and attempts[9].startswith("local kmeans attempt #9. Current mean square distance ")
    assert any(re.fullmatch(r"#throughput_metric: host=algo-1, train throughput=\S+ records/second", line)
               for line in lines)
    train_msd = [line for line in lines if line.startswith("#quality_metric: host=algo-1, train msd <loss>=")]
    assert len(train_msd) == 1 and float(train_msd[0].split("=")[-1]) > 0
    assert "Test data is not provided." in lines
    metrics = [line for line in lines if line.startswith("#metrics {")]
    assert any('"Algorithm": "AWS/KMeansWebscale"' in m and '"Meta": "training_data_iter"' in m
               for m in metrics)


def test_train_msd_is_the_models_mean_square_distance(caplog, blobs):
    X, _, _ = blobs
    with caplog.at_level(logging.INFO, logger="smemu"):
        artifact, _ = train(X, k=6, mini_batch_size=500)
    (line,) = [m for m in _messages(caplog) if m.startswith("#quality_metric: host=algo-1, train msd")]
    reported = float(line.split("=")[-1])
    assert reported == pytest.approx(ssd(X, artifact.arrays[0]) / len(X), rel=0.02)


def test_test_channel_scores(caplog, blobs):
    X, _, _ = blobs
    with caplog.at_level(logging.INFO, logger="smemu"):
        artifact, _ = train(X[:5000], test=X[5000:], k=6, eval_metrics='["msd", "ssd"]')
    lines = _messages(caplog)
    expected = ssd(X[5000:], artifact.arrays[0])
    values = {}
    for metric in ("msd", "ssd"):
        (score,) = [m for m in lines if m.startswith(f"#test_score (algo-1) : ('{metric}', ")]
        (quality,) = [m for m in lines if m.startswith(f"#quality_metric: host=algo-1, test {metric} <loss>=")]
        values[metric] = float(quality.split("=")[-1])
        assert float(score.rstrip(")").split(", ")[-1]) == values[metric]
    assert values["ssd"] == pytest.approx(expected, rel=1e-4)
    assert values["msd"] == pytest.approx(expected / 1000, rel=1e-4)
    assert "Test data is not provided." not in lines


def test_default_eval_metric_is_msd_only(caplog, blobs):
    X, _, _ = blobs
    with caplog.at_level(logging.INFO, logger="smemu"):
        train(X[:5000], test=X[5000:], k=6)
    lines = _messages(caplog)
    assert any(m.startswith("#quality_metric: host=algo-1, test msd <loss>=") for m in lines)
    assert not any("test ssd" in m or "'ssd'" in m for m in lines)


def test_recycling_candidates_keeps_every_points_weight():
    from smemu.algorithms.kmeans.webscale import WebscaleKMeans, initial_centres

    rng = np.random.default_rng(4)
    true = rng.uniform(-10, 10, size=(6, 5))
    X = np.concatenate([c + rng.normal(size=(1000, 5)) for c in true]).astype(np.float32)
    state = WebscaleKMeans(initial_centres(X[:500], 30, "random", rng))
    moved = []
    original = state._recycle
    state._recycle = lambda batch, dist: moved.append(original(batch, dist)) or moved[-1]
    for lo in range(0, len(X), 500):
        state.update(X[lo:lo + 500])
    assert any(moved)  # later clusters made candidates restart
    assert state.counts.sum() == pytest.approx(len(X))
    live = state.counts > 0
    # every cluster has candidates of its own (pieces of a cluster sit about one sd from its centre)
    assert _match(state.centres[live], true).max() < 1.5


def test_a_state_file_goes_beside_model_algo_1(blobs):
    # the real job's model.tar.gz holds an (unpublished) state_<uuid> file too; smemu's is empty,
    # named from the centroids so that the same model gives the same files
    X, _, _ = blobs
    first, _ = train(X, k=3, mini_batch_size=1000)
    again, _ = train(X, k=3, mini_batch_size=1000)
    other, _ = train(X[:900], k=3, mini_batch_size=1000)
    (name,) = first.extra_files
    assert name.startswith("state_") and first.extra_files[name] == b""
    assert again.extra_files == first.extra_files and other.extra_files != first.extra_files
