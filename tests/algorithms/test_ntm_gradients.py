"""NTM's hand-written gradients against central finite differences of its own loss."""

import numpy as np
import pytest
import scipy.sparse as sp

from smemu.algorithms.ntm.network import NTMNetwork, init_params, running_stats

from finite_differences import numeric_gradient  # tests/algorithms/finite_differences.py


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("sparse", [False, True])
def test_gradients_match_finite_differences(activation, batch_norm, sparse):
    rng = np.random.default_rng(0)
    layers = [7, 5]
    net = NTMNetwork(len(layers), activation, batch_norm)
    params = init_params(11, layers, 3, batch_norm, rng)
    for name in params:      # non-zero biases and BN parameters, so every path is exercised
        params[name] = params[name] + rng.normal(scale=0.3, size=params[name].shape)
    x = rng.poisson(1.5, size=(6, 11)).astype(np.float64)
    x = sp.csr_matrix(x) if sparse else x
    eps = rng.standard_normal((6, 3))

    def loss():
        recons, kld = net.losses(params, running_stats(layers), x, eps, training=True)
        return float((recons + kld).mean())

    grads, recons, kld = net.gradients(params, running_stats(layers), x, eps)
    assert float((recons + kld).mean()) == pytest.approx(loss())
    for name, p in params.items():
        numeric = numeric_gradient(loss, p)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-4, atol=1e-7, err_msg=name)
