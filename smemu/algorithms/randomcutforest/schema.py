"""Random Cut Forest's hyperparameters, with the names, defaults and ranges of the AWS developer
guide page "RCF Hyperparameters". ``mini_batch_size`` is not in that table, but the SageMaker
Python SDK's ``RandomCutForest`` always sends it (1000, and refuses any other value), so the
container accepts it."""

from __future__ import annotations

from smemu.algorithms.hyperparameters import Integer, JsonList, Schema

EVAL_METRICS = ("accuracy", "precision_recall_fscore")

SCHEMA = Schema(
    "randomcutforest",
    {
        "feature_dim": Integer(required=True, min=1, max=10000),
        "num_trees": Integer("100", min=50, max=1000),
        "num_samples_per_tree": Integer("256", min=1, max=2048),
        "eval_metrics": JsonList(EVAL_METRICS, default='["accuracy", "precision_recall_fscore"]'),
        "mini_batch_size": Integer("1000", min=1),
    },
)
