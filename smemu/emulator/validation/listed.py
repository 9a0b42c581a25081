"""Reading an image channel listed by another for ``smemu validate``, as the container reads it
(``ContentType`` ``application/x-image`` with a ``<channel>_lst`` channel of ``.lst`` files, or a
``<channel>_annotation`` channel of annotation JSON): every line of every ``.lst`` file (columns,
index, labels) or every annotation (keys, boxes), the image it names (missing, undecodable,
mode, size) and the algorithm's record checks (labels against ``num_classes``, image size),
each problem named by the listing's file (and line)."""

from __future__ import annotations

import functools
import io
import posixpath

from smemu.algorithms.base import InputChecks
from smemu.algorithms.errors import DataError
from smemu.emulator import staging
from smemu.emulator.spec import ChannelSpec
from smemu.formats.listings import is_listing, read_listing

from .channels import LOGICAL_DATA, _ChannelState, _read_source
from .report import ChannelSummary, Collector, Problem


def _visible(objects):
    return [o for o in objects if not any(p.startswith(".") for p in o.relative.split("/"))]


def validate_listed_channel(channel: ChannelSpec, listing: ChannelSpec, checks: InputChecks,
                            summary: ChannelSummary, listing_summary: ChannelSummary,
                            collect: Collector, label_maps: ChannelSpec | None = None) -> int:
    """Reports every problem of ``channel``'s images as ``listing``'s ``.lst`` files list them;
    returns the number of records read."""
    try:
        images = _visible(staging.list_channel(channel.uri, channel.data_type))
        listed = _visible(staging.list_channel(listing.uri, listing.data_type))
    except staging.StagingError as exc:
        collect.add(Problem("channel", str(exc), channel=channel.name, object=channel.uri))
        return 0
    summary.objects = len(images)
    summary.bytes = sum(o.size or 0 for o in images)
    summary.read = True
    listing_summary.objects = len(listed)
    listing_summary.bytes = sum(o.size or 0 for o in listed)
    listing_summary.read = True
    by_path = {o.relative: o for o in images}

    def image_bytes(relative: str) -> bytes | None:
        obj = by_path.get(posixpath.normpath(relative))
        if obj is None:
            return None
        with staging.open_object(obj) as raw:
            return raw.read()

    lst_files = [o for o in listed if is_listing(o.relative)]
    if not lst_files:
        collect.add(Problem("channel", f"The '{listing.name}' channel holds no .lst or "
                            f"annotation .json file: with ContentType application/x-image the "
                            f"'{channel.name}' channel's images are listed with their labels in "
                            f"'{listing.name}'.", channel=listing.name, object=listing.uri))
        return 0
    label_map, label_map_name = _label_map(channel.name, label_maps, collect)
    reader = functools.partial(read_listing, image_bytes=image_bytes, label_map=label_map,
                               label_map_name=label_map_name,
                               image_root_name=f"{LOGICAL_DATA}/{channel.name}")
    state = _ChannelState(channel.name, checks, summary, collect, None)
    for obj in lst_files:
        name = f"{LOGICAL_DATA}/{listing.name}/{obj.relative}"
        with staging.open_object(obj) as raw:
            data = raw.read()
        _read_source(io.BytesIO(data), name, reader, state, lambda problem, uri=obj.uri: uri)
    if not state.format_problems:
        try:
            checks.end(channel.name, state.records)
        except DataError as exc:
            collect.add(Problem("data", str(exc), channel=channel.name))
    return state.records


def _label_map(name: str, label_maps: ChannelSpec | None, collect: Collector):
    """The bytes and container name of ``<name>_label_map.json`` in the label map channel."""
    if label_maps is None:
        return None, "label map"
    wanted = f"{name}_label_map.json"
    try:
        objects = staging.list_channel(label_maps.uri, label_maps.data_type)
    except staging.StagingError as exc:
        collect.add(Problem("channel", str(exc), channel=label_maps.name, object=label_maps.uri))
        return None, "label map"
    for obj in objects:
        if obj.relative == wanted:
            with staging.open_object(obj) as raw:
                return raw.read(), f"{LOGICAL_DATA}/{label_maps.name}/{wanted}"
    return None, "label map"
