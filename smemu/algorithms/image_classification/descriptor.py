"""Image classification as smemu knows it: SageMaker's built-in ``image-classification`` image.

Channels and content types follow the AWS developer guide page "Image Classification Algorithm"
(input/output interface): ``train`` and ``validation`` take im2rec RecordIO
(``application/x-recordio``, File or Pipe mode) or images (``application/x-image``, also given as
``image/jpeg`` or ``image/png``; File mode) whose labels are in the ``.lst`` files of the
``train_lst`` and ``validation_lst`` channels. Hyperparameters follow "Image Classification
Hyperparameters"; the tunable metric ``validation:accuracy`` (Maximize) "Tune an Image
Classification Model". In Pipe mode, ``application/x-recordio`` with ``RecordWrapperType RecordIO``
is an augmented manifest's records, image then label ("Train with Augmented Manifest Image
Format"). The metric regexes read the ``Epoch[N] Train-accuracy=...`` and
``Epoch[N] Validation-accuracy=...`` lines MXNet's ``Module.fit`` prints in the real log.
"""

from __future__ import annotations

from smemu.algorithms.descriptor import AlgorithmDescriptor, ChannelRule, MetricDefinition
from smemu.algorithms.image_classification.schema import SCHEMA
from smemu.algorithms.metric_definitions import maximize
from smemu.formats.media_names import IM2REC, IMAGE
from smemu.formats.media_names import IMAGE_CHANNEL_ALIASES as ALIASES

NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
IMAGE_PIPE = ("Pipe mode reads application/x-recordio (im2rec RecordIO) only: use File mode for "
              "application/x-image, or pack the images with im2rec.py")


def _images(name: str, required: bool, doc: str) -> ChannelRule:
    return ChannelRule(name, required=required, content_types=(IM2REC, IMAGE),
                       content_type_aliases=ALIASES, pipe_refusals={IMAGE: IMAGE_PIPE},
                       distributions=("FullyReplicated", "ShardedByS3Key"),
                       listed_by=f"{name}_lst", default_content_type=IM2REC,
                       augmented_label="class", doc=doc)


def _listing(name: str) -> ChannelRule:
    return ChannelRule(f"{name}_lst", content_types=(IMAGE,), content_type_aliases=ALIASES,
                       input_modes=("File",), distributions=("FullyReplicated",),
                       doc=f".lst files listing the {name} channel's images with their labels")


DESCRIPTOR = AlgorithmDescriptor(
    name="image-classification",
    image_repositories=("image-classification",),
    image_account="811284229777",
    metrics_dimension="AWS/ImageClassification",
    schema=SCHEMA,
    channels=(
        _images("train", True, "the training images"),
        _images("validation", True, "images scored each epoch (validation:accuracy)"),
        _listing("train"),
        _listing("validation"),
    ),
    supervised=True,
    metric_definitions=(
        MetricDefinition("train:accuracy", rf".*Epoch\[[0-9]+\] Train-accuracy={NUMBER}"),
        MetricDefinition("validation:accuracy",
                         rf".*Epoch\[[0-9]+\] Validation-accuracy={NUMBER}"),
    ),
    tunable_metrics=maximize("validation:accuracy"),
    trainer="smemu.algorithms.image_classification:ImageClassification",
    input_checks="smemu.algorithms.image_classification.checks:ImageClassificationChecks",
    predictor="smemu.algorithms.image_classification.inference:load_model",
    model_files=("image-classification-symbol.json",
                 "image-classification-[0-9][0-9][0-9][0-9].params", "model-shapes.json"),
    sample="smemu.algorithms.image_classification.sample:samples",
)
