"""PCA as SageMaker's built-in: hyperparameters, the artifact's layout and order, the components
and singular values against scikit-learn's PCA, streaming over many batches, sparse records."""

import logging

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA as SkPCA

from smemu.algorithms import get_algorithm
from smemu.algorithms.errors import DataError, HyperparameterError
from smemu.algorithms.pca.inference import load_model
from smemu.algorithms.pca.schema import SCHEMA as PCA_SCHEMA
from smemu.algorithms.reporting import Reporter

from channels import ArrayChannel  # tests/algorithms/channels.py


def train(X, test=None, max_batch=None, **hyperparameters):
    algo = get_algorithm("pca")
    given = {"feature_dim": str(X.shape[1]), "mini_batch_size": "100",
             **{k: str(v) for k, v in hyperparameters.items()}}
    config = algo.schema.resolve(given)
    channels = {"train": ArrayChannel(X, max_batch=max_batch)}
    if test is not None:
        channels["test"] = ArrayChannel(test, name="test")
    return algo.train(config, channels, Reporter(algo.metrics_name)), channels


def low_rank(rows=3000, dim=20, rank=6, seed=0, offset=5.0):
    """Records with a decaying spectrum (so the top components are well defined), off the origin."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.normal(size=(dim, dim)))[0]
    scales = np.r_[np.geomspace(20.0, 2.0, rank), np.full(dim - rank, 0.3)]
    return (rng.normal(size=(rows, dim)) * scales @ basis.T + offset).astype(np.float32)


# hyperparameters ---------------------------------------------------------------------------------

def test_required_and_defaults():
    assert PCA_SCHEMA.required == ["feature_dim", "mini_batch_size", "num_components"]
    defaults = PCA_SCHEMA.defaults()
    assert defaults["algorithm_mode"] == "regular" and defaults["subtract_mean"] == "true"
    assert defaults["extra_components"] == "-1"


def test_sdk_hyperparameters_resolve():
    # what sagemaker.PCA sends: str() of each value
    config = PCA_SCHEMA.resolve({"feature_dim": "50", "num_components": "5",
                                 "mini_batch_size": "500", "algorithm_mode": "randomized",
                                 "subtract_mean": "True", "extra_components": "3"})
    assert config["algorithm_mode"] == "randomized" and config["subtract_mean"] is True
    assert config["extra_components"] == 3


@pytest.mark.parametrize("given, words", [
    ({"feature_dim": "5", "num_components": "2"}, ["No value(s) were specified for 'mini_batch_size'"]),
    ({"feature_dim": "5", "num_components": "2", "mini_batch_size": "10",
      "algorithm_mode": "fast"}, ["'fast'", "'algorithm_mode'", "'regular'", "'randomized'"]),
    ({"feature_dim": "5", "num_components": "2", "mini_batch_size": "10",
      "extra_components": "-2"}, ["'-2'", "'extra_components'"]),
    ({"feature_dim": "5", "num_components": "6", "mini_batch_size": "10"},
     ["num_components (6)", "feature_dim (5)"]),
])
def test_bad_hyperparameters_are_named(given, words):
    with pytest.raises(HyperparameterError) as info:
        PCA_SCHEMA.resolve(given)
    for word in words:
        assert word in str(info.value)


# the model against scikit-learn ------------------------------------------------------------------

def test_regular_mode_matches_sklearn_components_and_singular_values():
    X = low_rank()
    artifact, _ = train(X, num_components=4)
    arrays = artifact.arrays
    assert set(arrays) == {"s", "v", "mean"}
    assert arrays["s"].shape == (4,) and arrays["v"].shape == (20, 4)
    assert arrays["mean"].shape == (1, 20)
    assert all(a.dtype == np.float32 for a in arrays.values())
    # ascending, as the real model_algo-1: the largest component last
    assert np.all(np.diff(arrays["s"]) > 0)

    reference = SkPCA(n_components=4, svd_solver="full").fit(X.astype(np.float64))
    np.testing.assert_allclose(arrays["s"][::-1], reference.singular_values_, rtol=1e-4)
    angles = subspace_angles(arrays["v"].astype(np.float64), reference.components_.T)
    assert angles.max() < 1e-3
    # component by component too (up to sign), largest first
    for ours, theirs in zip(arrays["v"][:, ::-1].T, reference.components_):
        assert abs(abs(float(ours @ theirs)) - 1.0) < 1e-4
    np.testing.assert_allclose(arrays["mean"][0], reference.mean_, rtol=1e-5, atol=1e-5)


def test_projection_is_sklearns_transform_up_to_sign():
    X = low_rank(seed=2)
    artifact, _ = train(X, num_components=3)
    model = load_model(artifact)
    ours = model.predict(X[:200])["projection"][:, ::-1]
    theirs = SkPCA(n_components=3, svd_solver="full").fit(X.astype(np.float64)).transform(X[:200])
    signs = np.sign((ours * theirs).sum(axis=0))
    np.testing.assert_allclose(ours * signs, theirs, rtol=1e-3, atol=1e-3)


def test_streaming_is_independent_of_batching():
    X = low_rank(rows=2000, seed=3)
    whole, _ = train(X, num_components=4, mini_batch_size=2000)
    pieces, _ = train(X, num_components=4, mini_batch_size=7, max_batch=7)
    np.testing.assert_allclose(whole.arrays["s"], pieces.arrays["s"], rtol=1e-5)
    assert subspace_angles(whole.arrays["v"].astype(np.float64),
                           pieces.arrays["v"].astype(np.float64)).max() < 1e-4


def test_far_from_the_origin_the_centred_scatter_is_still_exact():
    X = low_rank(rows=2000, seed=4, offset=0.0).astype(np.float64) + 1e4
    artifact, _ = train(X, num_components=3)
    reference = SkPCA(n_components=3, svd_solver="full").fit(X)
    np.testing.assert_allclose(artifact.arrays["s"][::-1], reference.singular_values_, rtol=1e-4)


def test_subtract_mean_false_is_the_uncentred_decomposition():
    X = low_rank(rows=1500, seed=5, offset=3.0).astype(np.float64)
    artifact, _ = train(X, num_components=3, subtract_mean="false")
    _, s, vt = np.linalg.svd(X, full_matrices=False)
    np.testing.assert_allclose(artifact.arrays["s"][::-1], s[:3], rtol=1e-4)
    assert subspace_angles(artifact.arrays["v"].astype(np.float64), vt[:3].T).max() < 1e-3
    assert not artifact.arrays["mean"].any()
    # so serving projects x itself
    np.testing.assert_allclose(load_model(artifact).predict(X[:5])["projection"],
                               X[:5] @ artifact.arrays["v"], rtol=1e-4, atol=1e-3)


def test_randomized_mode_finds_the_subspace_and_improves_with_extra_components():
    X = low_rank(rows=3000, dim=60, rank=5, seed=6)
    reference = SkPCA(n_components=5, svd_solver="full").fit(X.astype(np.float64))
    errors = []
    for extra in (-1, 20, 40, 55):      # -1: max(10, 5) columns beyond 5; 55: the whole space
        artifact, _ = train(X, num_components=5, algorithm_mode="randomized",
                            extra_components=extra)
        s = artifact.arrays["s"]
        assert np.all(np.diff(s) > 0)
        errors.append((subspace_angles(artifact.arrays["v"].astype(np.float64),
                                       reference.components_.T).max(),
                       np.abs(s[::-1] / reference.singular_values_ - 1).max()))
    angles, value_errors = zip(*errors)
    assert angles[0] < 0.1 and value_errors[0] < 0.1       # a sketch of 15 columns out of 60
    assert list(angles) == sorted(angles, reverse=True)     # more columns, more accurate
    assert angles[-1] < 1e-5 and value_errors[-1] < 1e-5   # a full sketch is exact


def test_sparse_records_give_the_dense_answer():
    rng = np.random.default_rng(7)
    dense = low_rank(rows=1200, dim=15, seed=7)
    dense[rng.random(dense.shape) < 0.6] = 0.0
    for mode in ("regular", "randomized"):
        a, _ = train(dense, num_components=3, algorithm_mode=mode)
        b, _ = train(sp.csr_matrix(dense), num_components=3, algorithm_mode=mode)
        np.testing.assert_allclose(a.arrays["s"], b.arrays["s"], rtol=1e-4)
        np.testing.assert_allclose(a.arrays["mean"], b.arrays["mean"], rtol=1e-5, atol=1e-6)
        model = load_model(b)
        np.testing.assert_allclose(model.predict(sp.csr_matrix(dense[:20]))["projection"],
                                   load_model(a).predict(dense[:20])["projection"],
                                   rtol=1e-3, atol=1e-3)


# data errors and log -----------------------------------------------------------------------------

def test_wrong_width_names_the_record():
    with pytest.raises(DataError) as info:
        train(low_rank(rows=50, dim=8), num_components=2, feature_dim=9)
    assert "feature_dim" in str(info.value) and "record 0" in str(info.value)


def test_nan_names_the_record():
    X = low_rank(rows=300, dim=8)
    X[123, 2] = np.nan
    with pytest.raises(DataError) as info:
        train(X, num_components=2)
    assert "record 123" in str(info.value)


def test_empty_channel():
    with pytest.raises(DataError, match="has no records"):
        train(np.zeros((0, 4), np.float32), num_components=2)


def test_log_lines(caplog):
    caplog.set_level(logging.INFO)
    train(low_rank(rows=300, dim=8), num_components=2)
    text = caplog.text
    assert "#progress_metric: host=algo-1, completed 100.0 % of epochs" in text
    assert "#throughput_metric: host=algo-1, train throughput=" in text
    assert "Test data is not provided." in text


def test_test_channel_is_read_and_checked(caplog):
    caplog.set_level(logging.INFO)
    X = low_rank(rows=300, dim=8)
    train(X, test=X[:40], num_components=2)
    assert "processed a total of 40 test examples" in caplog.text
    assert "Test data is not provided." not in caplog.text
    bad = X[:40].copy()
    bad[7, 1] = np.inf
    with pytest.raises(DataError, match=r"Unable to read data channel 'test'\. Found infinite "
                                        r"floating point values\..* at record 7"):
        train(X, test=bad, num_components=2)


def test_model_errors_say_what_to_save():
    from smemu.algorithms.errors import CustomerError
    with pytest.raises(CustomerError, match="'s', 'v' and 'mean'"):
        load_model([np.zeros((3, 2), np.float32)])
