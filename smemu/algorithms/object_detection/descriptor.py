"""Object detection as smemu knows it: SageMaker's built-in ``object-detection`` image.

Channels and content types follow the AWS developer guide page "Object Detection Algorithm"
(input/output interface): ``train`` and ``validation`` take im2rec RecordIO
(``application/x-recordio``, File or Pipe mode) whose labels are the detection layout, or images
(``application/x-image``, ``image/jpeg``, ``image/png``; File mode) annotated by the JSON files
of the ``train_annotation`` and ``validation_annotation`` channels. Hyperparameters follow
"Object Detection Hyperparameters"; the tunable metric ``validation:mAP`` (Maximize) "Tune an
Object Detection Model". The metric lines are ``#quality_metric`` lines with the epoch.
"""

from __future__ import annotations

from smemu.algorithms.descriptor import AlgorithmDescriptor, ChannelRule, MetricDefinition
from smemu.algorithms.image_classification.descriptor import IMAGE_PIPE
from smemu.algorithms.metric_definitions import maximize
from smemu.algorithms.object_detection.schema import SCHEMA
from smemu.formats.media_names import IM2REC, IMAGE
from smemu.formats.media_names import IMAGE_CHANNEL_ALIASES as ALIASES

EPOCH_QUALITY = r"#quality_metric: host=\S+, epoch=[0-9]+, "


def _images(name: str) -> ChannelRule:
    return ChannelRule(name, required=True, content_types=(IM2REC, IMAGE),
                       content_type_aliases=ALIASES, pipe_refusals={IMAGE: IMAGE_PIPE},
                       listed_by=f"{name}_annotation", default_content_type=IM2REC,
                       augmented_label="boxes", doc=f"the {name} images")


def _annotations(name: str) -> ChannelRule:
    return ChannelRule(f"{name}_annotation", content_types=(IMAGE,),
                       content_type_aliases={**ALIASES, "application/json": IMAGE},
                       input_modes=("File",), distributions=("FullyReplicated",),
                       doc=f"one JSON annotation per {name} image")


DESCRIPTOR = AlgorithmDescriptor(
    name="object-detection",
    image_repositories=("object-detection",),
    image_account="811284229777",
    metrics_dimension="AWS/ObjectDetection",
    schema=SCHEMA,
    channels=(_images("train"), _images("validation"), _annotations("train"),
              _annotations("validation")),
    supervised=True,
    metric_definitions=(
        MetricDefinition("validation:mAP", EPOCH_QUALITY + r"validation mAP <score>=(\S+)"),
        MetricDefinition("train:cross_entropy",
                         EPOCH_QUALITY + r"train cross_entropy <loss>=(\S+)"),
    ),
    tunable_metrics=maximize("validation:mAP"),
    trainer="smemu.algorithms.object_detection:ObjectDetection",
    input_checks="smemu.algorithms.object_detection.checks:ObjectDetectionChecks",
    predictor="smemu.algorithms.object_detection.inference:load_model",
    model_files=("model_algo_1-symbol.json", "model_algo_1-0000.params", "hyperparams.json"),
    sample="smemu.algorithms.object_detection.sample:samples",
)
