"""IP Insights' hand-written gradients against central finite differences of its own loss."""

import numpy as np
import pytest

from smemu.algorithms.ipinsights.network import gradients, init_params

from finite_differences import numeric_gradient  # tests/algorithms/finite_differences.py


@pytest.mark.parametrize("layers", [0, 1, 3])
def test_gradients_match_finite_differences(layers):
    rng = np.random.default_rng(1)
    params = init_params(7, 11, 4, layers, rng)
    for name in params:
        params[name] = params[name] + rng.normal(scale=0.3, size=params[name].shape)
    entities = rng.integers(0, 7, size=9)
    ips = rng.integers(0, 11, size=(9, 5))
    labels = (rng.random(9) < 0.4).astype(float)

    def loss():
        return gradients(params, entities, ips, labels, layers)[2]

    dense, sparse, _ = gradients(params, entities, ips, labels, layers)
    analytic = dict(dense)
    for name, (rows, grad) in sparse.items():
        full = np.zeros_like(params[name])
        full[rows] = grad
        analytic[name] = full
    assert set(analytic) == set(params)
    for name, p in params.items():
        numeric = numeric_gradient(loss, p)
        np.testing.assert_allclose(analytic[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)
