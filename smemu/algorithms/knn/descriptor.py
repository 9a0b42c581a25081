"""k-NN as smemu knows it: SageMaker's built-in ``knn`` image.

Channels, content types, hyperparameters and tuning metrics follow the AWS developer guide pages
"K-Nearest Neighbors (k-NN) Algorithm" (train and test channels, File or Pipe, RecordIO-protobuf
or CSV with the label first), "k-NN Hyperparameters", "k-NN Request and Response Formats" and
"Tune a k-NN Model" (``test:accuracy`` maximised for a classifier, ``test:mse`` minimised for a
regressor). The service's own regexes for those metrics are not published: smemu's read the
whole test channel's score from its ``#quality_metric`` line.
"""

from __future__ import annotations

from smemu.algorithms.descriptor import AlgorithmDescriptor, ChannelRule
from smemu.algorithms.knn.schema import SCHEMA
from smemu.algorithms.metric_definitions import COMMON, maximize, minimize, quality_metric

DESCRIPTOR = AlgorithmDescriptor(
    name="knn",
    image_repositories=("knn",),
    metrics_dimension="AWS/KNN",
    schema=SCHEMA,
    channels=(
        ChannelRule("train", required=True, doc="labelled records, sampled into the index"),
        ChannelRule("test", distributions=("FullyReplicated",),
                    doc="labelled records scored with accuracy or mse"),
    ),
    supervised=True,
    metric_definitions=COMMON + (
        quality_metric("test", "accuracy", "score"),
        quality_metric("test", "mse"),
    ),
    tunable_metrics=maximize("test:accuracy") + minimize("test:mse"),
    trainer="smemu.algorithms.knn:KNN",
    input_checks="smemu.algorithms.knn.checks:KNNChecks",
    predictor="smemu.algorithms.knn.inference:load_model",
    sample="smemu.algorithms.knn.sample:sample",
)
