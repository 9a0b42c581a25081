"""k-NN hyperparameters, as the built-in container declares them.

Names, valid values and defaults follow the AWS developer guide page "k-NN Hyperparameters":
``feature_dim``, ``k``, ``predictor_type`` (classifier|regressor) and ``sample_size`` required;
``dimension_reduction_target`` required with ``dimension_reduction_type`` (sign|fjlt) and below
``feature_dim``; ``index_type`` faiss.Flat (default), faiss.IVFFlat or faiss.IVFPQ;
``index_metric`` L2 (default), INNER_PRODUCT or COSINE, the last two not with faiss.IVFPQ;
``faiss_index_ivf_nlists`` auto (= sqrt(sample_size)) or a positive integer; ``faiss_index_pq_m``
one of the listed divisors; ``mini_batch_size`` 5000.
"""

from __future__ import annotations

import math

from smemu.algorithms.hyperparameters import (
    AUTO, Auto, Choice, Integer, Schema, require)

PREDICTOR_TYPES = ("classifier", "regressor")
REDUCTION_TYPES = ("sign", "fjlt")
INDEX_TYPES = ("faiss.Flat", "faiss.IVFFlat", "faiss.IVFPQ")
INDEX_METRICS = ("L2", "INNER_PRODUCT", "COSINE")
PQ_M_VALUES = ("1", "2", "3", "4", "8", "12", "16", "20", "24", "28", "32", "40", "48", "56",
               "64", "96")


def _reduction(config) -> None:
    kind, target = config["dimension_reduction_type"], config["dimension_reduction_target"]
    if kind is None:
        return
    require(target is not None,
            f"dimension_reduction_type is '{kind}', so dimension_reduction_target is required: "
            f"set it to the dimension to reduce to (from 1 to feature_dim - 1).",
            "dimension_reduction_target")
    require(target < config["feature_dim"],
            f"dimension_reduction_target ({target}) must be less than feature_dim "
            f"({config['feature_dim']}).", "dimension_reduction_target")


def _metric_fits_index(config) -> None:
    require(not (config["index_type"] == "faiss.IVFPQ"
                 and config["index_metric"] in ("INNER_PRODUCT", "COSINE")),
            f"index_metric {config['index_metric']} is not supported with index_type "
            f"faiss.IVFPQ; use L2, or index_type faiss.Flat or faiss.IVFFlat.", "index_metric")


def nlists(config) -> int:
    """``faiss_index_ivf_nlists``, ``auto`` resolved to sqrt(sample_size) (rounded, at least 1)."""
    value = config["faiss_index_ivf_nlists"]
    return max(1, round(math.sqrt(config["sample_size"]))) if value == AUTO else value


SCHEMA = Schema(
    "knn",
    {
        "feature_dim": Integer(min=1, required=True, doc="number of features in the input"),
        "k": Integer(min=1, required=True, doc="number of nearest neighbours"),
        "predictor_type": Choice(PREDICTOR_TYPES, required=True,
                                 doc="classifier (mode of the labels) or regressor (their mean)"),
        "sample_size": Integer(min=1, required=True,
                               doc="number of training records sampled into the index"),
        "dimension_reduction_type": Choice(REDUCTION_TYPES,
                                           doc="sign: random sign projection; fjlt: fast "
                                               "Johnson-Lindenstrauss transform"),
        "dimension_reduction_target": Integer(min=1, doc="the reduced dimension"),
        "index_type": Choice(INDEX_TYPES, default="faiss.Flat", doc="the Faiss index"),
        "index_metric": Choice(INDEX_METRICS, default="L2", doc="the neighbours' distance"),
        "faiss_index_ivf_nlists": Auto(Integer(min=1),
                                       doc="IVF centroids (auto: sqrt(sample_size))"),
        "faiss_index_pq_m": Choice(PQ_M_VALUES, doc="product-quantizer sub-vectors (IVFPQ)"),
        "mini_batch_size": Integer("5000", min=1, doc="records per mini-batch"),
    },
    checks=(_reduction, _metric_fits_index),
    private={
        "_kvstore": "dist_async",
        "_log_level": "info",
        "_num_gpus": "auto",
        "_num_kv_servers": "auto",
        "_tuning_objective_metric": "",
    },
)
