"""PCA as smemu knows it: SageMaker's built-in ``pca`` image ("PCA").

Channels, content types and hyperparameters follow the AWS developer guide pages "Principal
Component Analysis (PCA) Algorithm" (input/output interface: train and optional test, File or
Pipe, RecordIO-protobuf or CSV), "PCA Hyperparameters" and "PCA Response Formats". PCA has no
tuning page: it publishes no objective metric, and its log has only the progress and throughput
lines.
"""

from __future__ import annotations

from smemu.algorithms.descriptor import AlgorithmDescriptor, ChannelRule
from smemu.algorithms.metric_definitions import COMMON
from smemu.algorithms.pca.schema import SCHEMA

DESCRIPTOR = AlgorithmDescriptor(
    name="pca",
    image_repositories=("pca",),
    metrics_dimension="PCA",
    schema=SCHEMA,
    channels=(
        ChannelRule("train", required=True, doc="records whose principal components are found"),
        ChannelRule("test", distributions=("FullyReplicated",), doc="read and checked"),
    ),
    supervised=False,
    metric_definitions=COMMON,
    trainer="smemu.algorithms.pca:PCA",
    input_checks="smemu.algorithms.base:FeatureChecks",
    predictor="smemu.algorithms.pca.inference:load_model",
    sample="smemu.algorithms.pca.sample:sample",
    default_config_file="default-conf.json",   # as a real PCA job's log names it
)
