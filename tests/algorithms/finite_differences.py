"""Central finite differences, for checking hand-written gradients."""

import numpy as np


def numeric_gradient(loss, param: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """d loss() / d param, element by element (``param`` is changed in place and restored)."""
    numeric = np.zeros_like(param)
    for idx in np.ndindex(param.shape):
        old = param[idx]
        param[idx] = old + step
        up = loss()
        param[idx] = old - step
        down = loss()
        param[idx] = old
        numeric[idx] = (up - down) / (2 * step)
    return numeric
