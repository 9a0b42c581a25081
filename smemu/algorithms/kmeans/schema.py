"""K-Means hyperparameters, as the built-in container declares them.

Names, valid values and defaults follow the SageMaker developer guide (k-means-api-config); the
default map, its order and its private ``_`` keys are those the real container prints from its
``default-input.json`` in its ``Reading default configuration`` log line (printed in public
training logs).
"""

from __future__ import annotations

from smemu.algorithms.hyperparameters import (
    AUTO, Auto, Boolean, Choice, Float, Integer, JsonList, Schema)

INIT_METHODS = ("random", "kmeans++")
EVAL_METRICS = ("msd", "ssd")

#: what ``auto`` resolves to; both observed as 10 in real logs (k=8: "shrinking 80 centers into 8"
#: and ten "local kmeans attempt" lines)
AUTO_EXTRA_CENTER_FACTOR = 10
AUTO_LOCAL_LLOYD_NUM_TRIALS = 10

SCHEMA = Schema(
    "kmeans",
    {
        # required, absent from the container defaults
        "feature_dim": Integer(min=1, required=True, doc="number of features in the input"),
        "k": Integer(min=1, required=True, doc="number of clusters"),
        # optional, in the order the container prints its defaults
        "init_method": Choice(INIT_METHODS, default="random",
                              doc="how the streaming phase picks its initial centres"),
        "mini_batch_size": Integer("5000", min=1, doc="records per mini-batch"),
        "epochs": Integer("1", min=1, doc="passes over the train channel"),
        "extra_center_factor": Auto(Integer(min=1),
                                    doc="the streaming phase keeps k * extra_center_factor centres"),
        "local_lloyd_max_iter": Integer("300", min=1,
                                        doc="maximum Lloyd iterations when shrinking to k centres"),
        "local_lloyd_tol": Float("0.0001", min=0, max=1,
                                 doc="relative loss change that stops the Lloyd iterations"),
        "local_lloyd_init_method": Choice(INIT_METHODS, default="kmeans++",
                                          doc="initialisation of each local Lloyd trial"),
        "local_lloyd_num_trials": Auto(Integer(min=1),
                                       doc="local Lloyd runs; the one with the lowest loss is kept"),
        "half_life_time_size": Integer("0", min=0,
                                       doc="points after which an observation weighs 1/2 (0: no decay)"),
        "eval_metrics": JsonList(EVAL_METRICS, default='["msd"]',
                                 doc="metrics reported for the test channel"),
        # undocumented; the SDK always sends "True". smemu's sparse path is exact, so it changes nothing.
        "force_dense": Boolean("true", doc="accepted for compatibility; has no effect"),
    },
    private={
        "_disable_wait_to_read": "false",
        "_enable_profiler": "false",
        "_kvstore": "auto",
        "_log_level": "info",
        "_num_gpus": "auto",
        "_num_kv_servers": "1",
        "_num_slices": "1",
        "_tuning_objective_metric": "",
    },
)


def resolve_auto(value, auto_value: int) -> int:
    return auto_value if value == AUTO else int(value)
