"""An algorithm descriptor: everything smemu knows of one built-in, declared in its own folder.

Each built-in is one package ``smemu/algorithms/<folder>/`` whose ``descriptor.py`` defines
``DESCRIPTOR = AlgorithmDescriptor(...)``. :mod:`smemu.algorithms.registry` finds them by scanning
the package; nothing elsewhere names an algorithm. A descriptor module imports only light things
(its schema, metric regexes): the trainer, the input checks and the predictor are named as
``"module:attribute"`` strings and imported on first use, so the host (request validation, the
API) can read every algorithm's schema and metric definitions without importing numpy-heavy
training code, and serving one algorithm never imports another's.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from smemu.algorithms.hyperparameters import Schema

CSV = "text/csv"
RECORDIO_PROTOBUF = "application/x-recordio-protobuf"
INPUT_MODES = ("File", "Pipe")
DISTRIBUTIONS = ("FullyReplicated", "ShardedByS3Key")


@dataclass(frozen=True)
class ChannelRule:
    """One channel an algorithm takes.

    ``content_types`` are media types (no parameters) the container has a reader for on this
    channel; ``input_modes`` and ``distributions`` what the service accepts for it (a request
    outside them gets the service's ValidationException). The first distribution listed is the
    one a flag-built job defaults to. ``default_content_type`` is what the container reads a
    channel given no ContentType as (None: RecordIO-protobuf, the formats layer's default);
    ``content_type_aliases`` other media types the container takes for the same (XGBoost's
    ``csv`` for ``text/csv``); ``pipe_refusals`` the content types it cannot read in Pipe mode,
    with its error (XGBoost: ``Pipe mode not supported for LibSVM.``); ``record_kind`` a reader
    of ``smemu.formats.content_types.RECORD_KINDS`` the container reads the channel with instead
    of its content type's (Seq2Seq's ``sequence-pairs`` and ``vocabulary``); ``text_fields`` > 0:
    the channel's text/csv records are that many strings each (IP Insights' ``entity,ip``), read
    by ``smemu.formats.text.read_text_fields``, not numbers. ``listed_by`` names the channel
    whose listing files (``.lst``, annotation JSON, PNG masks) list and label this channel's
    images when it is ``application/x-image`` (image classification's ``train`` is listed by
    ``train_lst``); ``label_map_by`` the channel whose ``<name>_label_map.json`` maps the values
    of this channel's masks to classes (semantic segmentation's ``label_map``).
    ``augmented_label`` (``class``, ``boxes`` or ``mask``: a label kind of
    ``smemu.formats.augmented``): the channel's ``application/x-recordio`` with
    ``RecordWrapperType RecordIO`` is an augmented manifest's records, image then label;
    ``augmented_only``: that is the only ``application/x-recordio`` the channel reads (semantic
    segmentation reads no im2rec files).
    """

    name: str
    required: bool = False
    content_types: tuple[str, ...] = (CSV, RECORDIO_PROTOBUF)
    input_modes: tuple[str, ...] = INPUT_MODES
    distributions: tuple[str, ...] = DISTRIBUTIONS
    text_fields: int = 0
    listed_by: str | None = None
    label_map_by: str | None = None
    doc: str = ""
    default_content_type: str | None = None
    content_type_aliases: Mapping[str, str] = field(default_factory=dict, compare=False)
    pipe_refusals: Mapping[str, str] = field(default_factory=dict, compare=False)
    record_kind: str | None = None
    augmented_label: str | None = None
    augmented_only: bool = False


@dataclass(frozen=True)
class MetricDefinition:
    """A regex SageMaker applies to the job's log; the first group is the value.

    ``printed`` is False for a definition the service injects although no line the real algorithm
    prints can match it (XGBoost's ``train:tweedie-nloglik``: the library names that metric
    ``tweedie-nloglik@1.5``); the common algorithm test does not look for a line it matches."""

    name: str
    regex: str
    printed: bool = True

    def as_api(self) -> dict:
        return {"Name": self.name, "Regex": self.regex}


@dataclass(frozen=True)
class TunableMetric:
    """An objective a tuning job may name, with the direction SageMaker documents for it."""

    name: str
    direction: str  # "Minimize" | "Maximize"


def _resolve(target: str) -> Any:
    module, _, attribute = target.partition(":")
    obj = importlib.import_module(module)
    for part in attribute.split(".") if attribute else ():
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class SampleData:
    """A tiny data set of the kind an algorithm trains on, for the common algorithm test
    (tests/algorithms/test_every_algorithm.py) and for documentation.

    * ``channels``: per channel, ``(features, labels)`` — a dense float matrix (or a scipy CSR
      matrix for RecordIO-protobuf) and the labels the records carry (None: no labels);
    * ``hyperparameters``: what trains on it in a second or so;
    * ``content_type``: what the channels are written as (``text/csv...`` with the label in the
      first column, or ``application/x-recordio-protobuf``), verbatim as the channel's ContentType;
    * ``quality(predictions, features, truth) -> (value, floor)``: the predictor's answer for the
      train features must score above the floor (a real result, not a constant); ``truth`` is
      ``truth`` when given (e.g. the blob of each record for clustering), else the train labels;
    * ``serving_type``: the request content type the test invokes the endpoint with (default: the
      channels' content type, without its parameters);
    * ``files``: per channel, file name -> bytes, when the channels are files of their own kind
      (Seq2Seq's vocabularies and sentence pairs) rather than ``channels`` written as
      ``content_type``; ``channels["train"]`` is then what the predictor is given for ``quality``;
    * ``request_body``: the body the test invokes the endpoint with (default: the first three
      train records written as the serving type).
    * ``evaluation``: ``(features, truth)`` the predictor is asked about and ``quality`` judges
      instead of the train features (e.g. IP Insights: observed pairs followed by as many pairs
      with other entities' addresses, whose scores only mean something side by side);
    * ``serving_accept``: the Accept type of the test's request.
    """

    channels: Mapping[str, tuple[Any, Any]]
    hyperparameters: Mapping[str, str]
    content_type: str = CSV
    quality: Callable | None = None
    truth: Any = None
    serving_type: str | None = None
    files: Mapping[str, Mapping[str, bytes]] | None = None
    request_body: bytes | None = None
    evaluation: tuple[Any, Any] | None = None
    serving_accept: str = "application/json"


@dataclass(frozen=True)
class AlgorithmDescriptor:
    """What one built-in algorithm is, as the container, the host and the tests see it.

    * ``name``: the short name users give (``--algorithm kmeans``);
    * ``image_repositories``: the ECR repository names of the real images (what
      ``sagemaker.image_uris.retrieve`` puts before the tag), the first being the main one;
    * ``image_tags``: the tags of those images smemu emulates (``"1"``; XGBoost ``"1.7-1"`` ...);
    * ``image_account``: the AWS account whose registry holds the real images in us-east-1 (the
      account ``sagemaker.image_uris.retrieve(name, "us-east-1")`` names), for example image
      names in messages;
    * ``metrics_dimension``: the ``Algorithm`` dimension of its ``#metrics`` lines;
    * ``schema``: its hyperparameters;
    * ``channels``: the channels it takes;
    * ``supervised``: whether training records must carry labels;
    * ``metric_definitions``: the MetricDefinitions the service injects for it (each must match a
      line its reporter prints: the common algorithm test checks it);
    * ``tunable_metrics``: the objectives a tuning job may name;
    * ``trainer``: ``"module:Class"`` of its :class:`~smemu.algorithms.base.Algorithm`;
    * ``input_checks``: ``"module:Class"`` of its :class:`~smemu.algorithms.base.InputChecks`,
      constructed with the resolved Config;
    * ``predictor``: ``"module:function"`` taking a ModelArtifact and giving a
      :class:`~smemu.algorithms.inference.Predictor`, or None when it cannot be served;
    * ``default_config_file``: the name of the defaults file its ``Reading default configuration
      from ...`` log line shows (``default-input.json``; PCA's is ``default-conf.json``);
    * ``model_files``: the files its ``model.tar.gz`` holds at the top level (read back for
      serving); a glob pattern for a file whose name varies;
    * ``sample``: ``"module:function"`` giving, for a numpy Generator, a :class:`SampleData` or a
      list of them (variants that together print every metric the definitions name).
    """

    name: str
    image_repositories: tuple[str, ...]
    metrics_dimension: str
    schema: Schema
    channels: tuple[ChannelRule, ...]
    trainer: str
    input_checks: str
    sample: str
    supervised: bool = False
    image_tags: tuple[str, ...] = ("1",)
    image_account: str = "382416733822"
    metric_definitions: tuple[MetricDefinition, ...] = ()
    tunable_metrics: tuple[TunableMetric, ...] = ()
    predictor: str | None = None
    model_files: tuple[str, ...] = ("model_algo-1",)
    default_config_file: str = "default-input.json"
    doc: str = field(default="", compare=False)

    # channels ---------------------------------------------------------------------------------
    @property
    def channel_names(self) -> tuple[str, ...]:
        """Required channels first, then optional ones, in declaration order: the order training
        reads them in."""
        return tuple(c.name for c in self.channels if c.required) + \
            tuple(c.name for c in self.channels if not c.required)

    @property
    def required_channels(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels if c.required)

    @property
    def optional_channels(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels if not c.required)

    def channel(self, name: str) -> ChannelRule | None:
        return next((c for c in self.channels if c.name == name), None)

    def content_type_of(self, name: str, content_type: str | None) -> str | None:
        """The ContentType the container reads channel ``name`` as: the given one, or the
        channel's ``default_content_type`` when none is given."""
        rule = self.channel(name)
        if not content_type or not content_type.strip():
            return rule.default_content_type if rule is not None else None
        media, sep, params = content_type.partition(";")
        alias = rule.content_type_aliases.get(media.strip().lower()) if rule else None
        return alias + sep + params if alias else content_type

    # lazily imported parts ---------------------------------------------------------------------
    def new_trainer(self):
        """An instance of the algorithm's trainer (its :class:`Algorithm`)."""
        return _resolve(self.trainer)(self)

    def new_input_checks(self, config):
        return _resolve(self.input_checks)(config)

    def load_predictor(self, artifact):
        if self.predictor is None:
            raise LookupError(f"{self.name} models cannot be served")
        return _resolve(self.predictor)(artifact)

    def samples(self, rng) -> list[SampleData]:
        made = _resolve(self.sample)(rng)
        return list(made) if isinstance(made, (list, tuple)) else [made]

    @property
    def serves(self) -> bool:
        return self.predictor is not None

    def metric_definitions_api(self) -> list[dict]:
        return [d.as_api() for d in self.metric_definitions]
