"""LDA as smemu knows it: SageMaker's built-in ``lda`` image.

Channels, content types and input modes follow the AWS developer guide page "Latent Dirichlet
Allocation (LDA) Algorithm" (input/output interface: train and an optional test channel;
RecordIO-protobuf dense or sparse in File or Pipe mode, CSV dense in File mode only); the
hyperparameters "LDA Hyperparameters"; the objective "Tune an LDA Model" (``test:pwll``, Maximize).
"""

from __future__ import annotations

from smemu.algorithms.descriptor import CSV, ChannelRule, AlgorithmDescriptor
from smemu.algorithms.lda.schema import SCHEMA
from smemu.algorithms.metric_definitions import COMMON, maximize, quality_metric

#: the guide: "LDA can be trained in File or Pipe mode when using recordIO-wrapped protobuf, but
#: only in File mode for the CSV format" (the real container's words for it are not known)
_CSV_PIPE = ("Unable to initialize the algorithm. Failed to validate input data configuration. "
             "lda reads text/csv in File mode only; set the channel's InputMode to File, or "
             "convert the data to application/x-recordio-protobuf for Pipe mode")

DESCRIPTOR = AlgorithmDescriptor(
    name="lda",
    image_repositories=("lda",),
    image_account="766337827248",
    metrics_dimension="AWS/LDA",
    schema=SCHEMA,
    channels=(
        ChannelRule("train", required=True, pipe_refusals={CSV: _CSV_PIPE},
                    doc="documents as word counts"),
        ChannelRule("test", distributions=("FullyReplicated",), pipe_refusals={CSV: _CSV_PIPE},
                    doc="scored by per-word log-likelihood"),
    ),
    supervised=False,
    metric_definitions=COMMON + (quality_metric("test", "pwll", "score"),),
    tunable_metrics=maximize("test:pwll"),
    trainer="smemu.algorithms.lda:LDA",
    input_checks="smemu.algorithms.topic_models.word_counts:WordCountChecks",
    predictor="smemu.algorithms.lda.inference:load_model",
    sample="smemu.algorithms.lda.sample:sample",
)
