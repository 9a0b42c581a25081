"""Random Cut Forest as smemu knows it: SageMaker's built-in ``randomcutforest`` image.

Channels follow the AWS developer guide page "Random Cut Forest (RCF) Algorithm": ``train``
(File or Pipe, CSV or RecordIO-protobuf, ``S3DataDistributionType`` ShardedByS3Key only) and an
optional labelled ``test`` (FullyReplicated only; CSV as ``text/csv;label_size=1``);
hyperparameters "RCF Hyperparameters"; the tuning metric ``test:f1`` (maximised) "Tune an RCF
Model"; inference formats "RCF Response Formats".
"""

from __future__ import annotations

from smemu.algorithms.descriptor import AlgorithmDescriptor, ChannelRule
from smemu.algorithms.metric_definitions import COMMON, maximize, quality_metric
from smemu.algorithms.randomcutforest.schema import SCHEMA

DESCRIPTOR = AlgorithmDescriptor(
    name="randomcutforest",
    image_repositories=("randomcutforest",),
    metrics_dimension="RandomCutForest",
    schema=SCHEMA,
    channels=(
        ChannelRule("train", required=True, distributions=("ShardedByS3Key",),
                    doc="records to sample the trees from"),
        ChannelRule("test", distributions=("FullyReplicated",),
                    doc="labelled records (1 = anomaly) scored with eval_metrics"),
    ),
    supervised=False,
    metric_definitions=COMMON + tuple(quality_metric("test", name, "score")
                                      for name in ("f1", "accuracy", "precision", "recall")),
    tunable_metrics=maximize("test:f1"),
    trainer="smemu.algorithms.randomcutforest:RandomCutForest",
    input_checks="smemu.algorithms.randomcutforest.checks:RandomCutForestChecks",
    predictor="smemu.algorithms.randomcutforest.inference:load_model",
    sample="smemu.algorithms.randomcutforest.sample:sample",
)
