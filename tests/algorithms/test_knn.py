"""k-NN as SageMaker's built-in: hyperparameters, the sample, the Faiss index against
scikit-learn's brute-force neighbours, dimension reduction, test scores, the model's round trip."""

import logging

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_regression
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor, NearestNeighbors

from smemu.algorithms import get_algorithm
from smemu.algorithms.errors import DataError, HyperparameterError
from smemu.algorithms.knn.inference import load_model
from smemu.algorithms.knn.reduction import FJLT, SignProjection
from smemu.algorithms.knn.sampling import Reservoir
from smemu.algorithms.knn.schema import SCHEMA as KNN_SCHEMA
from smemu.algorithms.reporting import Reporter
from smemu.formats import load_ndarrays, save_ndarrays

from channels import ArrayChannel  # tests/algorithms/channels.py

BASE = {"k": "5", "predictor_type": "classifier", "mini_batch_size": "250"}


def train(X, y, test=None, **hyperparameters):
    algo = get_algorithm("knn")
    given = {**BASE, "feature_dim": str(X.shape[1]), "sample_size": str(X.shape[0]),
             **{k: str(v) for k, v in hyperparameters.items()}}
    config = algo.schema.resolve(given)
    channels = {"train": ArrayChannel(X, y)}
    if test is not None:
        channels["test"] = ArrayChannel(*test, name="test")
    return algo.train(config, channels, Reporter(algo.metrics_name))


def reloaded(artifact, tmp_path):
    """The model as serving gets it: written with mx.nd.save's layout, read back."""
    save_ndarrays(str(tmp_path / "model_algo-1"), artifact.arrays)
    return load_model(load_ndarrays(str(tmp_path / "model_algo-1")))


@pytest.fixture(scope="module")
def classes():
    X, y = make_classification(1600, 12, n_informative=8, n_classes=4, n_clusters_per_class=1,
                               random_state=1)
    return X[:1200].astype(np.float32), y[:1200].astype(np.float32), \
        X[1200:].astype(np.float32), y[1200:].astype(np.float32)


# hyperparameters ---------------------------------------------------------------------------------

def test_required_and_defaults():
    assert KNN_SCHEMA.required == ["feature_dim", "k", "predictor_type", "sample_size"]
    defaults = KNN_SCHEMA.defaults()
    assert defaults["index_type"] == "faiss.Flat" and defaults["index_metric"] == "L2"
    assert defaults["faiss_index_ivf_nlists"] == "auto" and defaults["mini_batch_size"] == "5000"
    assert "dimension_reduction_type" not in defaults


@pytest.mark.parametrize("given, words", [
    ({"dimension_reduction_type": "sign"}, ["dimension_reduction_target is required"]),
    ({"dimension_reduction_type": "fjlt", "dimension_reduction_target": "10"},
     ["less than feature_dim (10)"]),
    ({"index_type": "faiss.IVFPQ", "index_metric": "COSINE"}, ["not supported", "faiss.IVFPQ"]),
    ({"predictor_type": "ranker"}, ["'ranker'", "'classifier'", "'regressor'"]),
    ({"index_type": "faiss.HNSW"}, ["'faiss.HNSW'", "'index_type'"]),
    ({"faiss_index_pq_m": "5"}, ["'5'", "'faiss_index_pq_m'"]),
])
def test_bad_hyperparameters_are_named(given, words):
    with pytest.raises(HyperparameterError) as info:
        KNN_SCHEMA.resolve({**BASE, "feature_dim": "10", "sample_size": "100", **given})
    for word in words:
        assert word in str(info.value)


# the Flat index is exact: scikit-learn's brute-force neighbours agree ------------------------------

def test_flat_classifier_agrees_with_sklearn(classes, tmp_path):
    X, y, Xt, yt = classes
    model = reloaded(train(X, y), tmp_path)
    ours = model.predict(Xt)
    reference = KNeighborsClassifier(5, algorithm="brute").fit(X, y)
    np.testing.assert_array_equal(ours["predicted_label"], reference.predict(Xt))
    distances, ids = reference.kneighbors(Xt)
    # Faiss answers squared L2 distances, nearest first; the neighbours' labels in that order
    np.testing.assert_allclose(ours["distances"], distances ** 2, rtol=1e-3, atol=1e-3)
    np.testing.assert_array_equal(ours["labels"], y[ids])


def test_flat_regressor_agrees_with_sklearn(tmp_path):
    X, y = make_regression(1000, 8, noise=5.0, random_state=2)
    X, y = X.astype(np.float32), y.astype(np.float32)
    model = reloaded(train(X[:800], y[:800], k=7, predictor_type="regressor"), tmp_path)
    reference = KNeighborsRegressor(7, algorithm="brute").fit(X[:800], y[:800])
    np.testing.assert_allclose(model.predict(X[800:])["predicted_label"],
                               reference.predict(X[800:]), rtol=1e-5, atol=1e-3)


def test_cosine_and_inner_product_find_the_right_neighbours(classes):
    X, y, Xt, _ = classes
    cosine = load_model(train(X, y, index_metric="COSINE"))
    _, ids = NearestNeighbors(n_neighbors=5, metric="cosine", algorithm="brute").fit(X).kneighbors(Xt)
    np.testing.assert_array_equal(cosine.predict(Xt)["labels"], y[ids])
    inner = load_model(train(X, y, index_metric="INNER_PRODUCT"))
    products = Xt.astype(np.float64) @ X.T.astype(np.float64)
    best = np.argsort(-products, axis=1)[:, :5]
    answer = inner.predict(Xt)
    np.testing.assert_array_equal(answer["labels"], y[best])
    # similarities, largest first, as Faiss gives them
    np.testing.assert_allclose(answer["distances"], np.take_along_axis(products, best, 1),
                               rtol=1e-4, atol=1e-3)


def test_ties_go_to_the_smallest_label_as_in_sklearn():
    X = np.array([[0.0], [1.0], [-1.0], [2.0], [-2.0]], np.float32)
    y = np.array([3.0, 1.0, 3.0, 1.0, 2.0], np.float32)
    model = load_model(train(X, y, k=4))
    query = np.array([[0.1]], np.float32)
    assert model.predict(query)["predicted_label"][0] == \
        KNeighborsClassifier(4, algorithm="brute").fit(X, y).predict(query)[0] == 1.0


def test_many_distinct_labels_vote_as_sklearn(classes):
    X, _, Xt, _ = classes
    y = np.random.default_rng(5).integers(0, 300, size=len(X)).astype(np.float32)
    ours = load_model(train(X, y, k=7)).predict(Xt)["predicted_label"]
    theirs = KNeighborsClassifier(7, algorithm="brute").fit(X, y).predict(Xt)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("index_type", ["faiss.IVFFlat", "faiss.IVFPQ"])
def test_approximate_indexes_are_nearly_as_accurate(classes, index_type, tmp_path):
    X, y, Xt, yt = classes
    exact = float((load_model(train(X, y)).predict(Xt)["predicted_label"] == yt).mean())
    model = reloaded(train(X, y, index_type=index_type, faiss_index_pq_m="4"), tmp_path)
    approximate = float((model.predict(Xt)["predicted_label"] == yt).mean())
    assert exact > 0.8 and approximate > exact - 0.1


def test_pq_m_that_does_not_divide_the_dimension_pads_with_zeros(classes):
    X, y, Xt, yt = classes                              # 12 features, m = 8: padded to 16
    model = load_model(train(X, y, index_type="faiss.IVFPQ", faiss_index_pq_m="8"))
    assert model.width == 16 and model.index.d == 16
    assert float((model.predict(Xt)["predicted_label"] == yt).mean()) > 0.7


def test_pq_m_with_dimension_reduction_raises_the_target(classes):
    X, y, Xt, yt = classes              # target 6 with m = 4: reduced to 8 dimensions, no padding
    artifact = train(X, y, index_type="faiss.IVFPQ", faiss_index_pq_m="4",
                     dimension_reduction_type="sign", dimension_reduction_target=6)
    assert artifact.arrays["reduction_sign_matrix"].shape == (12, 8)
    model = load_model(artifact)
    assert model.width == 8 and model.index.d == 8
    assert float((model.predict(Xt)["predicted_label"] == yt).mean()) > 0.5


def test_k_above_the_sample_answers_every_indexed_neighbour(classes):
    X, y, Xt, _ = classes
    model = load_model(train(X[:4], y[:4], k=10))
    answer = model.predict(Xt[:3])
    assert answer["labels"].shape == (3, 4) and np.all(np.diff(answer["distances"], axis=1) >= 0)


# dimension reduction -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [SignProjection, FJLT])
def test_reductions_preserve_distances(kind):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 256)).astype(np.float32)
    reduced = kind.random(256, 128, np.random.default_rng(4)).apply(X)
    assert reduced.shape == (60, 128)
    before = np.linalg.norm(X[:, None] - X[None], axis=-1)[np.triu_indices(60, 1)]
    after = np.linalg.norm(reduced[:, None] - reduced[None], axis=-1)[np.triu_indices(60, 1)]
    ratio = after / before
    assert abs(ratio.mean() - 1) < 0.05 and ratio.std() < 0.1


@pytest.mark.parametrize("kind", ["sign", "fjlt"])
def test_reduced_model_applies_the_same_reduction_at_inference(classes, kind, tmp_path):
    X, y, Xt, yt = classes
    model = reloaded(train(X, y, dimension_reduction_type=kind, dimension_reduction_target=8),
                     tmp_path)
    assert model.index.d == 8
    # the training records are their own nearest neighbours after the same reduction
    answer = model.predict(X[:50])
    np.testing.assert_allclose(answer["distances"][:, 0], 0.0, atol=1e-3)
    assert float((model.predict(Xt)["predicted_label"] == yt).mean()) > 0.6


# the sample --------------------------------------------------------------------------------------

def test_the_sample_is_uniform_over_the_stream():
    counts = np.zeros(10)
    for seed in range(40):
        reservoir = Reservoir(100, np.random.default_rng(seed))
        for lo in range(0, 2000, 170):        # batches of 170 records: the stream position
            rows = np.arange(lo, min(lo + 170, 2000), dtype=np.float32)
            reservoir.add(rows[:, None], rows)
        assert len(reservoir.labels) == 100 and len(set(reservoir.labels)) == 100
        assert np.all(np.diff(reservoir.labels) > 0)        # stream order kept
        counts += np.bincount((reservoir.labels // 200).astype(int), minlength=10)
    # 4,000 draws over 10 equal slices of the stream: each gets ~400
    assert counts.min() > 320 and counts.max() < 480


def test_sample_size_bounds_the_index(classes):
    X, y, _, _ = classes
    model = load_model(train(X, y, sample_size=300))
    assert model.index.ntotal == 300 and len(model.labels) == 300
    assert set(model.labels) <= set(y)


def test_sparse_records_are_indexed_as_their_dense_values(classes):
    X, y, Xt, _ = classes
    X = X.copy()
    X[np.abs(X) < 0.5] = 0.0
    dense = load_model(train(X, y)).predict(Xt)
    sparse = load_model(train(sp.csr_matrix(X), y)).predict(sp.csr_matrix(Xt))
    np.testing.assert_array_equal(dense["predicted_label"], sparse["predicted_label"])


# test channel, log and data errors ---------------------------------------------------------------

def test_test_scores_per_mini_batch_and_overall(classes, caplog):
    X, y, Xt, yt = classes
    caplog.set_level(logging.INFO)
    model = load_model(train(X, y, test=(Xt, yt)))
    lines = [r.getMessage() for r in caplog.records]
    scores = [line for line in lines if line.startswith("#test_score (algo-1) : ('accuracy', ")]
    assert len(scores) == 2                              # 400 test records, mini-batches of 250
    first = float(scores[0].split(", ")[1].rstrip(")"))
    predicted = model.predict(Xt[:250])["predicted_label"]
    assert first == pytest.approx(float((predicted == yt[:250]).mean()))
    overall = float((model.predict(Xt)["predicted_label"] == yt).mean())
    assert f"#quality_metric: host=algo-1, test accuracy <score>={overall!r}" in lines


def test_regressor_test_score_is_mse(caplog):
    X, y = make_regression(600, 5, noise=1.0, random_state=4)
    X, y = X.astype(np.float32), y.astype(np.float32)
    caplog.set_level(logging.INFO)
    model = load_model(train(X[:500], y[:500], test=(X[500:], y[500:]), predictor_type="regressor"))
    mse = float(((model.predict(X[500:])["predicted_label"].astype(np.float64) - y[500:]) ** 2).mean())
    line = next(r.getMessage() for r in caplog.records
                if r.getMessage().startswith("#quality_metric: host=algo-1, test mse <loss>="))
    assert float(line.split("=")[-1]) == pytest.approx(mse, rel=1e-6)
    assert any(r.getMessage().startswith("#test_score (algo-1) : ('mse', ") for r in caplog.records)


def test_unlabelled_train_names_the_record(classes):
    X, _, _, _ = classes
    with pytest.raises(DataError) as info:
        train(X, None)
    assert "no labels" in str(info.value) and "record 0" in str(info.value)


def test_wrong_width_names_the_channel(classes):
    X, y, _, _ = classes
    with pytest.raises(DataError, match="feature_dim hyperparameter \\(13\\)"):
        train(X, y, feature_dim=13)
