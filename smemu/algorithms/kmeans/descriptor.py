"""K-Means as smemu knows it: SageMaker's built-in ``kmeans`` image ("AWS/KMeansWebscale").

Channels, content types and tuning metrics follow the AWS developer guide pages "K-Means
Algorithm" (input/output interface), "K-Means Hyperparameters" and "Tune a K-Means Model"; the
metric regexes are the service's built-in MetricDefinitions for k-means as DescribeTrainingJob
shows them.
"""

from __future__ import annotations

from smemu.algorithms.descriptor import AlgorithmDescriptor, ChannelRule
from smemu.algorithms.kmeans.schema import SCHEMA
from smemu.algorithms.metric_definitions import COMMON, minimize, quality_metric

DESCRIPTOR = AlgorithmDescriptor(
    name="kmeans",
    image_repositories=("kmeans",),
    metrics_dimension="AWS/KMeansWebscale",
    schema=SCHEMA,
    channels=(
        ChannelRule("train", required=True, doc="records to cluster"),
        # FullyReplicated is what the guide recommends for test, not a rule: the SDK's
        # record_set(..., channel="test") sends ShardedByS3Key, and SageMaker takes it
        ChannelRule("test", doc="scored with eval_metrics"),
    ),
    supervised=False,
    metric_definitions=COMMON + (
        quality_metric("train", "msd"),
        quality_metric("test", "msd"),
        quality_metric("test", "ssd"),
    ),
    tunable_metrics=minimize("test:msd", "test:ssd"),
    trainer="smemu.algorithms.kmeans:KMeans",
    input_checks="smemu.algorithms.kmeans.checks:KMeansChecks",
    predictor="smemu.algorithms.kmeans.inference:load_model",
    sample="smemu.algorithms.kmeans.sample:sample",
)
