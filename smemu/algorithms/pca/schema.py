"""PCA hyperparameters, as the built-in container declares them.

Names, valid values and defaults follow the AWS developer guide page "PCA Hyperparameters"
(``feature_dim``, ``mini_batch_size`` and ``num_components`` required; ``algorithm_mode``
regular|randomized, ``extra_components`` -1 or a non-negative integer, ``subtract_mean``). The
container's own defaults also hold ``force_dense`` and ``epochs`` (seen in a real PCA job's
"Reading default configuration" line), which are accepted; smemu reads the data once whatever
``epochs`` says, since one pass gives the exact scatter matrix.
"""

from __future__ import annotations

from smemu.algorithms.hyperparameters import Boolean, Choice, Integer, Schema, require

MODES = ("regular", "randomized")
#: what ``extra_components=-1`` means: max(AUTO_EXTRA_MINIMUM, num_components)
AUTO_EXTRA_MINIMUM = 10


def _components_fit(config) -> None:
    require(config["num_components"] <= config["feature_dim"],
            f"num_components ({config['num_components']}) must not exceed feature_dim "
            f"({config['feature_dim']}): there are only feature_dim principal components. "
            f"Lower num_components.", "num_components")


def extra_components(config) -> int:
    """The sketch's extra columns in randomized mode (``-1``: max(10, num_components))."""
    extra = config["extra_components"]
    return max(AUTO_EXTRA_MINIMUM, config["num_components"]) if extra == -1 else extra


SCHEMA = Schema(
    "pca",
    {
        "feature_dim": Integer(min=1, required=True, doc="input dimension"),
        "mini_batch_size": Integer(min=1, required=True, doc="rows in a mini-batch"),
        "num_components": Integer(min=1, required=True,
                                  doc="number of principal components to compute"),
        "algorithm_mode": Choice(MODES, default="regular",
                                 doc="regular: exact, from the scatter matrix; randomized: sketch"),
        "subtract_mean": Boolean("true", doc="centre the data in training and at inference"),
        "extra_components": Integer("-1", min=-1,
                                    doc="extra sketch columns, randomized mode only "
                                        "(-1: max(10, num_components))"),
        "force_dense": Boolean("true", doc="accepted for compatibility; has no effect"),
        "epochs": Integer("1", min=1, doc="accepted; one pass gives the exact answer"),
    },
    checks=(_components_fit,),
    private={
        "_kvstore": "dist_sync",
        "_log_level": "info",
        "_num_gpus": "auto",
        "_num_kv_servers": "auto",
        "_tuning_objective_metric": "",
    },
)
