"""Linear Learner as smemu knows it: SageMaker's built-in ``linear-learner`` image.

Channels and content types follow the AWS developer guide page "Linear Learner Algorithm"
(input/output interface); tuning metrics "Tune a Linear Learner Model"; the metric regexes are the
service's built-in MetricDefinitions for linear learner as DescribeTrainingJob shows them.
"""

from __future__ import annotations

from smemu.algorithms.descriptor import AlgorithmDescriptor, ChannelRule, MetricDefinition
from smemu.algorithms.linear_learner.schema import SCHEMA
from smemu.algorithms.metric_definitions import (
    COMMON, QUALITY_PREFIX as Q, maximize, minimize, quality, quality_metric)


def _metric_definitions() -> tuple[MetricDefinition, ...]:
    out = list(COMMON) + [
        MetricDefinition("train:objective_loss", Q + r"epoch=\S+, train \S+_objective <loss>=(\S+)"),
        MetricDefinition("train:objective_loss:final", Q + r"train \S+_objective <loss>=(\S+)"),
        MetricDefinition("validation:objective_loss",
                         Q + r"epoch=\S+, validation \S+_objective <loss>=(\S+)"),
        MetricDefinition("validation:objective_loss:final",
                         Q + r"validation \S+_objective <loss>=(\S+)"),
        MetricDefinition("test:objective_loss", Q + r"test \S+_objective <loss>=(\S+)"),
    ]
    for ch in ("train", "validation", "test"):
        out += [
            quality_metric(ch, "binary_classification_accuracy", "score"),
            MetricDefinition(f"{ch}:binary_f_beta", quality(ch, r"binary_f_\S+", "score")),
            quality_metric(ch, "precision", "score"),
            quality_metric(ch, "recall", "score"),
            quality_metric(ch, "mse"),
            quality_metric(ch, "absolute_loss"),
        ]
    for ch in ("validation", "test"):
        out += [quality_metric(ch, name, "score") for name in
                ("multiclass_accuracy", "macro_precision", "macro_recall", "dcg")]
        out.append(MetricDefinition(f"{ch}:macro_f_beta", quality(ch, r"macro_f_\S+", "score")))
        out.append(MetricDefinition(f"{ch}:multiclass_top_k_accuracy",
                                    quality(ch, r"multiclass_top_k_accuracy_\S+", "score")))
        # documented tuning objectives, with the analogous regex
        out.append(quality_metric(ch, "roc_auc_score", "score"))
    out.append(quality_metric("validation", "rmse"))
    return tuple(out)


def _tunable():
    out = []
    for ch in ("test", "validation"):
        out += minimize(f"{ch}:absolute_loss", f"{ch}:mse", f"{ch}:objective_loss")
        out += maximize(*(f"{ch}:{n}" for n in (
            "binary_classification_accuracy", "binary_f_beta", "dcg", "macro_f_beta",
            "macro_precision", "macro_recall", "multiclass_accuracy",
            "multiclass_top_k_accuracy", "precision", "recall", "roc_auc_score")))
    return tuple(out)


DESCRIPTOR = AlgorithmDescriptor(
    name="linear-learner",
    image_repositories=("linear-learner",),
    metrics_dimension="Linear Learner",
    schema=SCHEMA,
    channels=(
        ChannelRule("train", required=True, doc="labelled records"),
        # FullyReplicated is the guide's recommendation for validation and test, not a rule (the
        # SDK's record_set channels are ShardedByS3Key)
        ChannelRule("validation",
                    doc="model selection, early stopping and threshold calibration"),
        ChannelRule("test", doc="scored at the end"),
    ),
    supervised=True,
    metric_definitions=_metric_definitions(),
    tunable_metrics=_tunable(),
    trainer="smemu.algorithms.linear_learner:LinearLearner",
    input_checks="smemu.algorithms.linear_learner.checks:LinearLearnerChecks",
    predictor="smemu.algorithms.linear_learner.inference:load_model",
    sample="smemu.algorithms.linear_learner.sample:sample",
)
