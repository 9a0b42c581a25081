"""The files of an ``application/x-image`` channel, and the channels that list or annotate its
images (image classification's ``.lst`` files, object detection's annotation JSON): which reader
a listing file takes, by its name."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from .annotations import parse_annotation, read_annotated_images
from .batch import Batch
from .errors import FormatError
from .images import _object_column, decode_image, read_listed_images, read_lst
from .masks import read_masked_images
from .sources import open_binary, source_name

#: listing file suffix -> reader(listing, image_bytes, batch_size, name, image_root_name, on_error)
LISTING_READERS = {".lst": read_listed_images, ".json": read_annotated_images,
                   ".png": read_masked_images}


def is_listing(name: str) -> bool:
    return any(name.endswith(suffix) for suffix in LISTING_READERS)


def read_listing(source, image_bytes, batch_size: int = 64, name: str | None = None,
                 image_root_name: str = "the image channel", on_error=None,
                 label_map: bytes | None = None, label_map_name: str = "label map"
                 ) -> Iterator[Batch]:
    """The images a listing file (``.lst``, annotation ``.json`` or mask ``.png``) names,
    labelled by it; ``label_map`` (segmentation) maps mask values to classes."""
    name = source_name(source, name)
    suffix = next(s for s in LISTING_READERS if name.endswith(s))
    extra = {"label_map": label_map, "label_map_name": label_map_name} if suffix == ".png" else {}
    return LISTING_READERS[suffix](source, image_bytes, batch_size=batch_size, name=name,
                                   image_root_name=image_root_name, on_error=on_error, **extra)


def read_image_file(source, batch_size: int = 64, name: str | None = None,
                    on_error=None) -> Iterator[Batch]:
    """One file of an ``application/x-image`` channel: a listing (``.lst``, annotation
    ``.json``) is parsed and checked (no images: those are read with the image channel),
    anything else decoded as one unlabelled image."""
    name = source_name(source, name)
    try:
        if name.endswith(".lst"):
            for _ in read_lst(source, name, on_error):
                pass
            return
        with open_binary(source) as f:
            data = f.read()
        if name.endswith(".json"):
            parse_annotation(data, name)
            return
        image = decode_image(data, "the image", name)
    except FormatError as exc:
        if on_error is None:
            raise
        on_error(exc)
        return
    yield Batch(_object_column([image]), None, name, 0, offsets=np.zeros(1, np.int64))
