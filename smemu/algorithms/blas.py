"""BLAS threading for algorithms whose products are small (mini-batches times small layers):
there, BLAS threads cost more in start-up and hand-over than they gain, badly so on a busy
machine, so such training runs with one BLAS thread."""

from __future__ import annotations

import functools

from threadpoolctl import ThreadpoolController


@functools.lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    return ThreadpoolController()   # scans the loaded libraries once


def single_blas_thread():
    """A context in which BLAS runs single-threaded."""
    return _controller().limit(limits=1, user_api="blas")


def with_single_blas_thread(method):
    """Decorates a function to run with one BLAS thread."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with single_blas_thread():
            return method(*args, **kwargs)
    return wrapper
