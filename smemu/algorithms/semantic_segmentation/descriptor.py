"""Semantic segmentation as smemu knows it: SageMaker's built-in ``semantic-segmentation`` image.

Channels follow the AWS developer guide page "Semantic Segmentation Algorithm" (input/output
interface): ``train``, ``validation``, ``train_annotation`` and ``validation_annotation`` are
mandatory (images, and PNG masks of the same base names), ``label_map`` optional
(``train_label_map.json``, ``validation_label_map.json``); File mode — or, for ``train`` and
``validation``, Pipe mode with an augmented manifest (``application/x-recordio``,
``RecordWrapperType RecordIO``: image, then mask, per line). Hyperparameters follow
"Semantic Segmentation Hyperparameters"; the tunable metric ``validation:mIOU`` (Maximize) "Tune
a Semantic Segmentation Model".
"""

from __future__ import annotations

from smemu.algorithms.descriptor import AlgorithmDescriptor, ChannelRule, MetricDefinition
from smemu.algorithms.metric_definitions import maximize
from smemu.algorithms.semantic_segmentation.schema import SCHEMA
from smemu.formats.media_names import IM2REC, IMAGE
from smemu.formats.media_names import IMAGE_CHANNEL_ALIASES as ALIASES

EPOCH_QUALITY = r"#quality_metric: host=\S+, epoch=[0-9]+, "
FILE_MODE = ("File",)


IMAGE_PIPE = ("Pipe mode reads an augmented manifest (application/x-recordio, RecordWrapperType "
              "RecordIO) only: use File mode for images and PNG masks")


def _images(name: str) -> ChannelRule:
    return ChannelRule(name, required=True, content_types=(IMAGE, IM2REC),
                       content_type_aliases=ALIASES, pipe_refusals={IMAGE: IMAGE_PIPE},
                       default_content_type=IMAGE, listed_by=f"{name}_annotation",
                       label_map_by="label_map", augmented_label="mask", augmented_only=True,
                       doc=f"the {name} images (JPEG), or in Pipe mode an augmented manifest's "
                           f"images and masks")


def _masks(name: str) -> ChannelRule:
    # required with images (File mode); an augmented manifest carries the masks itself
    return ChannelRule(f"{name}_annotation", content_types=(IMAGE,),
                       content_type_aliases=ALIASES, input_modes=FILE_MODE,
                       default_content_type=IMAGE, distributions=("FullyReplicated",),
                       doc=f"a PNG mask per {name} image, of the same base name")


DESCRIPTOR = AlgorithmDescriptor(
    name="semantic-segmentation",
    image_repositories=("semantic-segmentation",),
    image_account="811284229777",
    metrics_dimension="AWS/SemanticSegmentation",
    schema=SCHEMA,
    channels=(
        _images("train"), _images("validation"), _masks("train"), _masks("validation"),
        ChannelRule("label_map", content_types=(IMAGE,),
                    content_type_aliases={**ALIASES, "application/json": IMAGE},
                    input_modes=FILE_MODE, default_content_type=IMAGE,
                    distributions=("FullyReplicated",),
                    doc="train_label_map.json / validation_label_map.json"),
    ),
    supervised=True,
    metric_definitions=(
        MetricDefinition("validation:mIOU", EPOCH_QUALITY + r"validation mIOU <score>=(\S+)"),
        MetricDefinition("validation:pixel_accuracy",
                         EPOCH_QUALITY + r"validation pixel_accuracy <score>=(\S+)"),
        MetricDefinition("train:loss", EPOCH_QUALITY + r"train loss <loss>=(\S+)"),
    ),
    tunable_metrics=maximize("validation:mIOU", "validation:pixel_accuracy"),
    trainer="smemu.algorithms.semantic_segmentation:SemanticSegmentation",
    input_checks="smemu.algorithms.semantic_segmentation.checks:SegmentationChecks",
    predictor="smemu.algorithms.semantic_segmentation.inference:load_model",
    model_files=("model_algo-1", "hyperparams.json"),
    sample="smemu.algorithms.semantic_segmentation.sample:samples",
)
