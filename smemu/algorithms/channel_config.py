"""Checks of a job's channel configuration (``inputdataconfig.json``) that the training container
makes before it reads any data: which channels the algorithm takes (its descriptor's
``channels``), and whether it has a reader for each channel's ContentType. The container raises
the first problem; ``smemu validate`` reports them all, in the same words."""

from __future__ import annotations

import functools
from typing import Mapping

from smemu.algorithms.descriptor import AlgorithmDescriptor
from smemu.algorithms.errors import CustomerError
from smemu.formats import FormatError, reader_for
from smemu.formats.text import read_text_fields
from smemu.formats.content_types import parse_content_type

_PREFIX = "Unable to initialize the algorithm. Failed to validate input data configuration."


def channel_problems(descriptor: AlgorithmDescriptor,
                     input_config: Mapping[str, dict]) -> list[CustomerError]:
    """Channels the algorithm does not take, required channels that are missing, then content
    types the algorithm reads in File mode only given in Pipe mode."""
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
        if rule is None or mode.lower() != "pipe":
            continue
        try:
            media, _params = parse_content_type(
                effective_content_type(descriptor, name, cfg.get("ContentType")))
        except FormatError:
            continue   # content_type_problem reports it
        if "Pipe" not in rule.input_modes:
            problems.append(CustomerError(
                f"{_PREFIX} {descriptor.name} reads the '{name}' channel in File mode only, and "
                f"this channel is in Pipe mode. Set its InputMode (or the job's "
                f"TrainingInputMode) to File."))
        elif media in rule.file_only_content_types:
            problems.append(CustomerError(
                f"{_PREFIX} {descriptor.name} reads {media} on the '{name}' channel in File mode "
                f"only, and this channel is in Pipe mode. Set its InputMode to File, or convert "
                f"the data to application/x-recordio-protobuf for Pipe mode."))
    return problems


def content_type_problem(name: str, content_type: str | None,
                         descriptor: AlgorithmDescriptor | None = None) -> CustomerError | None:
    """None when the container has a reader for the channel's ContentType (and, given the
    descriptor, when the algorithm takes that content type on that channel)."""
    content_type = effective_content_type(descriptor, name, content_type)
    base = (content_type or "").split(";")[0].strip()
    try:
        media, _params = parse_content_type(content_type)
        rule = descriptor.channel(name) if descriptor is not None else None
        if rule is not None and media not in rule.content_types:
            raise FormatError(
                f"{descriptor.name} reads the '{name}' channel as "
                f"{' or '.join(rule.content_types)}; set its ContentType to one of them.")
        reader_for(content_type)
    except FormatError as exc:
        return CustomerError(
            f"No iterator has been registered for ContentType ({base!r}, '1.0') of the "
            f"'{name}' channel: {exc}")
    return None


def channel_reader(descriptor: AlgorithmDescriptor | None, name: str, content_type: str | None):
    """The formats reader for a channel: the content type's (``reader_for``), or for a channel
    of text records (``ChannelRule.text_fields``) CSV lines split into that many strings."""
    content_type = effective_content_type(descriptor, name, content_type)
    rule = descriptor.channel(name) if descriptor is not None else None
    if rule is not None and rule.text_fields:
        media, _params = parse_content_type(content_type)
        if media == "text/csv":
            return functools.partial(read_text_fields, columns=rule.text_fields)
    return reader_for(content_type)


def effective_content_type(descriptor: AlgorithmDescriptor | None, name: str,
                           content_type: str | None) -> str | None:
    """The channel's ContentType, or when it has none what the algorithm reads it as."""
    if content_type and content_type.strip():
        return content_type
    rule = descriptor.channel(name) if descriptor is not None else None
    return rule.default_content_type if rule is not None else content_type
