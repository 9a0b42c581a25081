"""NTM as smemu knows it: SageMaker's built-in ``ntm`` image.

Channels, content types and input modes follow the AWS developer guide page "Neural Topic Model
(NTM) Algorithm" (train; optional validation, test and auxiliary, FullyReplicated; RecordIO-protobuf
dense or sparse and dense CSV in File or Pipe mode; the auxiliary channel a text/plain
``vocab.txt``); the hyperparameters "NTM Hyperparameters"; the objective "Tune an NTM Model"
(``validation:total_loss``, Minimize).
"""

from __future__ import annotations

from smemu.algorithms.descriptor import (
    AlgorithmDescriptor, ChannelRule, MetricDefinition)
from smemu.algorithms.metric_definitions import COMMON, QUALITY_PREFIX as Q, minimize
from smemu.algorithms.ntm.schema import SCHEMA

_REPLICATED = ("FullyReplicated",)


def _loss(channel: str, name: str) -> MetricDefinition:
    """``<channel>:<name>`` from its ``#quality_metric`` lines, per epoch or final."""
    return MetricDefinition(f"{channel}:{name}",
                            Q + rf"(?:epoch=\S+, )?{channel} {name} <loss>=(\S+)")


DESCRIPTOR = AlgorithmDescriptor(
    name="ntm",
    image_repositories=("ntm",),
    metrics_dimension="AWS/NTM",
    schema=SCHEMA,
    channels=(
        ChannelRule("train", required=True, doc="documents as word counts"),
        ChannelRule("validation", distributions=_REPLICATED,
                    doc="loss logged every epoch; early stopping watches it"),
        ChannelRule("test", distributions=_REPLICATED, doc="loss of the final model"),
        ChannelRule("auxiliary", content_types=("text/plain",), distributions=_REPLICATED,
                    doc="vocab.txt: one word a line, for the topics' top words in the log"),
    ),
    supervised=False,
    metric_definitions=COMMON + tuple(
        _loss(channel, name) for channel in ("train", "validation", "test")
        for name in ("total_loss", "recons_loss", "kld")),
    tunable_metrics=minimize("validation:total_loss"),
    trainer="smemu.algorithms.ntm:NTM",
    input_checks="smemu.algorithms.ntm.checks:NTMChecks",
    predictor="smemu.algorithms.ntm.inference:load_model",
    sample="smemu.algorithms.ntm.sample:sample",
)
