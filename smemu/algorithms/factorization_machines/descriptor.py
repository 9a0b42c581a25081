"""Factorization Machines as smemu knows it: SageMaker's built-in ``factorization-machines`` image.

Channels, content types (recordIO-protobuf with Float32 tensors only: "the algorithm does not
support CSV") and inference formats follow the AWS developer guide page "Factorization Machines
Algorithm"; hyperparameters "Factorization Machines Hyperparameters"; tuning metrics "Tune a
Factorization Machines Model" (test:rmse minimised; test:binary_classification_accuracy and
test:binary_f_beta maximised, test:binary_classification_cross_entropy minimised).
"""

from __future__ import annotations

from smemu.algorithms.descriptor import (
    RECORDIO_PROTOBUF, AlgorithmDescriptor, ChannelRule, MetricDefinition)
from smemu.algorithms.factorization_machines.schema import SCHEMA
from smemu.algorithms.metric_definitions import (
    COMMON, QUALITY_PREFIX as Q, maximize, minimize, quality, quality_metric)

_METRICS = ("binary_classification_accuracy", "score"), \
    ("binary_classification_cross_entropy", "loss"), ("rmse", "loss")


def _metric_definitions() -> tuple[MetricDefinition, ...]:
    out = list(COMMON)
    for name, kind in _METRICS:
        out.append(MetricDefinition(f"train:{name}",
                                    Q + f"epoch=\\S+, batch=\\S+ train {name} <{kind}>=(\\S+)"))
        out.append(MetricDefinition(f"train:{name}:epoch",
                                    Q + f"epoch=\\S+, train {name} <{kind}>=(\\S+)"))
        out.append(quality_metric("test", name, kind))
    out.append(MetricDefinition("test:binary_f_beta", quality("test", r"binary_f_\S+", "score")))
    return tuple(out)


DESCRIPTOR = AlgorithmDescriptor(
    name="factorization-machines",
    image_repositories=("factorization-machines",),
    metrics_dimension="factorization-machines",
    schema=SCHEMA,
    channels=(
        ChannelRule("train", required=True, content_types=(RECORDIO_PROTOBUF,),
                    doc="labelled Float32 records, dense or sparse"),
        ChannelRule("test", content_types=(RECORDIO_PROTOBUF,), doc="scored at the end"),
    ),
    supervised=True,
    metric_definitions=_metric_definitions(),
    tunable_metrics=minimize("test:rmse", "test:binary_classification_cross_entropy")
    + maximize("test:binary_classification_accuracy", "test:binary_f_beta"),
    trainer="smemu.algorithms.factorization_machines:FactorizationMachines",
    input_checks="smemu.algorithms.factorization_machines.checks:FactorizationMachinesChecks",
    predictor="smemu.algorithms.factorization_machines.inference:load_model",
    sample="smemu.algorithms.factorization_machines.sample:sample",
)
