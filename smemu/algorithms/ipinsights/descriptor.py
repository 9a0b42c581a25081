"""IP Insights as smemu knows it: SageMaker's built-in ``ipinsights`` image.

From the AWS developer guide pages "IP Insights Algorithm" (train and optional validation
channels, text/csv only, File mode only), "IP Insights Hyperparameters", "Tune an IP Insights
Model" (``validation:discriminator_auc``, Maximize) and "IP Insights Inference Data Formats"
(CSV/JSON/JSON Lines requests of entity, IP strings; ``dot_product``, and with ``verbose=True``
the embeddings; no RecordIO).
"""

from __future__ import annotations

from smemu.algorithms.descriptor import CSV, AlgorithmDescriptor, ChannelRule, MetricDefinition
from smemu.algorithms.ipinsights.schema import SCHEMA
from smemu.algorithms.metric_definitions import COMMON, QUALITY_PREFIX, maximize

DESCRIPTOR = AlgorithmDescriptor(
    name="ipinsights",
    image_repositories=("ipinsights",),
    metrics_dimension="AWS/IPInsights",
    schema=SCHEMA,
    channels=(
        ChannelRule("train", required=True, content_types=(CSV,), input_modes=("File",),
                    text_fields=2,
                    default_content_type=CSV, doc="entity,ip rows"),
        ChannelRule("validation", content_types=(CSV,), input_modes=("File",),
                    distributions=("FullyReplicated",), text_fields=2,
                    default_content_type=CSV,
                    doc="entity,ip rows scored by discriminator AUC every epoch"),
    ),
    supervised=False,
    metric_definitions=COMMON + (
        MetricDefinition("validation:discriminator_auc",
                         QUALITY_PREFIX + r"(?:epoch=\S+, )?validation discriminator_auc "
                                          r"<score>=(\S+)"),
        MetricDefinition("train:loss", QUALITY_PREFIX + r"(?:epoch=\S+, )?train loss <loss>=(\S+)"),
    ),
    tunable_metrics=maximize("validation:discriminator_auc"),
    trainer="smemu.algorithms.ipinsights:IPInsights",
    input_checks="smemu.algorithms.ipinsights.checks:PairChecks",
    predictor="smemu.algorithms.ipinsights.inference:load_model",
    sample="smemu.algorithms.ipinsights.sample:sample",
)
