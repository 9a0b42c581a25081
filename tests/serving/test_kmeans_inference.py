"""K-Means predictions against the model's own arithmetic, computed independently with numpy."""

import numpy as np
import pytest
import scipy.sparse as sp

from smemu.algorithms.errors import CustomerError, DataError
from smemu.algorithms.registry import get_descriptor
from smemu.algorithms.kmeans.inference import load_model

from serving_helpers import nearest


def test_closest_centroid_and_euclidean_distance(centroids):
    x = np.random.default_rng(1).normal(size=(300, 6)).astype(np.float32) * 3
    out = load_model([centroids]).predict(x)
    closest, distance = nearest(centroids, x)
    assert list(out) == ["closest_cluster", "distance_to_cluster"]
    assert out["closest_cluster"].dtype == np.float32
    np.testing.assert_array_equal(out["closest_cluster"], closest.astype(np.float32))
    np.testing.assert_allclose(out["distance_to_cluster"], distance, rtol=1e-6, atol=1e-6)


def test_a_record_on_a_centroid_is_at_distance_zero(centroids):
    out = load_model([centroids]).predict(centroids[::-1])
    np.testing.assert_array_equal(out["closest_cluster"], [4, 3, 2, 1, 0])
    np.testing.assert_array_equal(out["distance_to_cluster"], np.zeros(5, np.float32))


def test_sparse_records_score_as_their_dense_equivalents(centroids):
    dense = np.random.default_rng(2).normal(size=(50, 6)).astype(np.float32)
    dense[np.random.default_rng(3).random(dense.shape) < 0.6] = 0
    model = load_model([centroids])
    a, b = model.predict(dense), model.predict(sp.csr_matrix(dense))
    np.testing.assert_array_equal(a["closest_cluster"], b["closest_cluster"])
    np.testing.assert_allclose(a["distance_to_cluster"], b["distance_to_cluster"], rtol=1e-5,
                               atol=1e-5)


def test_model_is_found_by_algorithm_name(centroids):
    predictor = get_descriptor("kmeans").load_predictor([centroids])
    assert predictor.feature_dim == 6
    with pytest.raises(DataError, match=r"input: 4 does not match the feature dimension of the "
                                        r"model: 6\. Please fix the input and try again\. \(The "
                                        r"first record is at record 2 of the request\.\)"):
        predictor.check_width(4, "record 2 of the request")


def test_unknown_algorithm_and_malformed_models_are_customer_errors(centroids):
    with pytest.raises(CustomerError, match="does not emulate an algorithm called 'no-such'"):
        get_descriptor("no-such")
    with pytest.raises(CustomerError, match="exactly one NDArray .* holds 2"):
        load_model([centroids, centroids])
    with pytest.raises(CustomerError, match=r"shape \(k, feature_dim\); this one has shape \(6,\)"):
        load_model([centroids[0]])
