"""scipy.sparse, imported when sparse data is first met rather than by every reader: it costs
about half a second of start-up (scipy.sparse pulls in scipy's linalg), and most jobs read dense
CSV or RecordIO-protobuf. An object cannot be a scipy sparse matrix unless scipy.sparse has been
imported, so :func:`issparse` answers without importing it."""

from __future__ import annotations

import sys


def scipy_sparse():
    """The ``scipy.sparse`` module (imported on first call)."""
    import scipy.sparse

    return scipy.sparse


def issparse(x) -> bool:
    """``scipy.sparse.issparse(x)``, without importing scipy.sparse to answer False."""
    module = sys.modules.get("scipy.sparse")
    return module is not None and module.issparse(x)


def is_csr(x) -> bool:
    """Whether ``x`` is a ``scipy.sparse.csr_matrix``, without importing scipy.sparse."""
    module = sys.modules.get("scipy.sparse")
    return module is not None and isinstance(x, module.csr_matrix)
