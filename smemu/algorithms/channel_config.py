"""Checks of a job's channel configuration (``inputdataconfig.json``) that the training container
makes before it reads any data: which channels the algorithm takes (its descriptor's
``channels``), and whether it has a reader for each channel's ContentType. The container raises
the first problem; ``smemu validate`` reports them all, in the same words."""

from __future__ import annotations

import functools
from typing import Mapping

from smemu.algorithms.builtin_errors import NO_ITERATOR
from smemu.algorithms.descriptor import AlgorithmDescriptor
from smemu.algorithms.errors import CustomerError
from smemu.formats import FormatError, reader_for
from smemu.formats.text import read_text_fields
from smemu.formats.content_types import PUBLIC_NAMES, parse_content_type
from smemu.formats.media_names import IM2REC

_PREFIX = "Unable to initialize the algorithm. Failed to validate input data configuration."


def channel_problems(descriptor: AlgorithmDescriptor,
                     input_config: Mapping[str, dict]) -> list[CustomerError]:
    """Channels the algorithm does not take, required channels that are missing, then channels
    in Pipe mode that the algorithm reads in File mode only."""
    allowed = descriptor.channel_names
    problems = []
    for name in input_config:
        if name not in allowed:
            problems.append(CustomerError(
                f"{_PREFIX} Additional properties are not allowed ('{name}' was unexpected): "
                f"{descriptor.name} takes the channels {', '.join(repr(c) for c in allowed)}."))
    for name in descriptor.required_channels:
        if name not in input_config:
            problems.append(CustomerError(
                f"{_PREFIX} '{name}' is a required property: add a '{name}' channel to "
                f"InputDataConfig."))
    for name, cfg in input_config.items():
        rule = descriptor.channel(name)
        mode = str(cfg.get("TrainingInputMode", "File"))
        if rule is not None and mode.lower() == "pipe" and "Pipe" not in rule.input_modes:
            problems.append(CustomerError(
                f"{_PREFIX} {descriptor.name} reads the '{name}' channel in File mode only, and "
                f"this channel is in Pipe mode. Set its InputMode (or the job's "
                f"TrainingInputMode) to File."))
    return problems


def content_type_problem(name: str, content_type: str | None,
                         descriptor: AlgorithmDescriptor | None = None,
                         input_mode: str | None = None) -> CustomerError | None:
    """None when the container has a reader for the channel's ContentType (and, given the
    descriptor, when the algorithm takes that content type on that channel, in ``input_mode``)."""
    base = (content_type or "").split(";")[0].strip()
    try:
        media, _params = parse_content_type(content_type)
        rule = descriptor.channel(name) if descriptor is not None else None
        refusal = rule.pipe_refusals.get(media) if rule is not None else None
        if refusal and str(input_mode or "").lower() == "pipe":
            return CustomerError(f"{refusal} (channel '{name}')")
        if rule is not None and media not in rule.content_types:
            raise FormatError(
                f"{descriptor.name} reads the '{name}' channel as "
                f"{' or '.join(PUBLIC_NAMES.get(t, t) for t in rule.content_types)}; set its "
                f"ContentType to one of them.")
        reader_for(content_type)
    except FormatError as exc:
        return CustomerError(NO_ITERATOR.say(f"on the '{name}' channel: {exc}", media=base))
    return None


def channel_reader(descriptor: AlgorithmDescriptor | None, name: str, content_type: str | None,
                   record_wrapper: str | None = None):
    """The formats reader for a channel: the content type's (``reader_for``), the reader of the
    channel's ``ChannelRule.record_kind`` (Seq2Seq), for a channel of text records
    (``ChannelRule.text_fields``) CSV lines split into that many strings, or for an image
    channel's ``application/x-recordio`` with ``record_wrapper`` RecordIO the augmented
    manifest's records (``ChannelRule.augmented_label``)."""
    if descriptor is not None:
        content_type = descriptor.content_type_of(name, content_type)
    rule = descriptor.channel(name) if descriptor is not None else None
    if rule is not None and rule.augmented_label:
        reader = _augmented_reader(rule, content_type, record_wrapper)
        if reader is not None:
            return reader
    if rule is not None and rule.record_kind:
        return reader_for(content_type, rule.record_kind)
    if rule is not None and rule.text_fields:
        media, _params = parse_content_type(content_type)
        if media == "text/csv":
            return functools.partial(read_text_fields, columns=rule.text_fields)
    return reader_for(content_type)


def _augmented_reader(rule, content_type: str | None, record_wrapper: str | None):
    """The augmented manifest reader of an image channel, None when the channel is not one."""
    media, params = parse_content_type(content_type)
    if media != IM2REC:
        return None
    wrapped = str(record_wrapper or "None").lower() == "recordio"
    if not wrapped:
        if rule.augmented_only:
            raise CustomerError(NO_ITERATOR.say(
                f"on the '{rule.name}' channel: application/x-recordio is read as an augmented "
                f"manifest's records only; set the channel's RecordWrapperType to RecordIO "
                f"(S3DataType AugmentedManifestFile, Pipe mode)", media="application/x-recordio"))
        return None
    from smemu.formats.augmented import LABEL_FORMATS, read_augmented_images

    label_format = params.get("label-format", "multi-hot")
    if label_format not in LABEL_FORMATS or (label_format != "multi-hot"
                                             and rule.augmented_label != "class"):
        formats = LABEL_FORMATS if rule.augmented_label == "class" else ("multi-hot",)
        raise CustomerError(NO_ITERATOR.say(
            f"on the '{rule.name}' channel: label-format={label_format} is not a label format "
            f"of this channel; use " + " or ".join(f"label-format={f}" for f in formats),
            media="application/x-recordio"))
    return functools.partial(read_augmented_images, label=rule.augmented_label,
                             label_format=label_format)
