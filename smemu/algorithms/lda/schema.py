"""LDA hyperparameters, as the AWS developer guide page "LDA Hyperparameters" lists them."""

from __future__ import annotations

from smemu.algorithms.hyperparameters import Float, Integer, Schema

SCHEMA = Schema(
    "lda",
    {
        "num_topics": Integer(min=1, required=True, doc="number of topics to find"),
        "feature_dim": Integer(min=1, required=True, doc="vocabulary size"),
        "mini_batch_size": Integer(min=1, required=True,
                                   doc="documents read per batch (the guide: 'the total number "
                                       "of documents in the input document corpus')"),
        "alpha0": Float("1.0", min=0, min_open=True,
                        doc="initial guess of the Dirichlet concentration (sum of the prior)"),
        "max_restarts": Integer("10", min=1, doc="random restarts per topic of the decomposition"),
        "max_iterations": Integer("1000", min=1,
                                  doc="iterations per restart of the decomposition"),
        "tol": Float("1e-8", min=0, min_open=True,
                     doc="step size under which a decomposition restart has converged"),
    },
)
