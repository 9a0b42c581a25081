"""Semantic segmentation annotations as the built-in reads them (AWS developer guide, "Semantic
Segmentation Algorithm", input/output interface): for every image of the ``train``/``validation``
channel, a single-channel PNG mask with the same base name in ``train_annotation``/
``validation_annotation`` (mode ``L`` or ``P``: 8-bit values, a palette image's indices), and an
optional label map per channel (``train_label_map.json`` in the ``label_map`` channel):
``{"scale": "3"}`` divides the mask values (rounding down), ``{"map": {"0": 5, "1": 0}}`` gives
the mask value of each class. Without one, a mask value is its class. 255 marks pixels to ignore
(PASCAL VOC's boundary value).

A record's label is its mask, mapped to classes: an ``(n,)`` object array of ``(height, width)``
int16 arrays; values that no class maps to are ``UNMAPPED``.
"""

from __future__ import annotations

import io
import json
import posixpath
from typing import Iterator

import numpy as np

from .batch import Batch
from .errors import FormatError
from .images import _object_column, decode_image
from .sources import open_binary, source_name

IGNORE = 255
UNMAPPED = 256
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG")
MASK_HINT = ("An annotation is a single-channel 8-bit PNG (mode L or P) of the image's size, "
             "named as its image (coffee.jpg -> coffee.png)")
MAP_HINT = 'A label map is {"scale": "1"} or {"map": {"<class>": <mask value>, ...}}'


def label_table(data: bytes | None, name: str = "label map") -> np.ndarray:
    """A 256-entry table from mask value to class (UNMAPPED where no class maps; 255 stays the
    ignore value)."""
    table = np.arange(256, dtype=np.int16)
    if data is None:
        return table
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"the label map is not valid JSON ({exc})", MAP_HINT,
                          source=name) from None
    if isinstance(doc, dict) and "map" in doc:
        mapping = doc["map"]
        if not isinstance(mapping, dict):
            raise FormatError('the label map\'s "map" is not an object', MAP_HINT, source=name)
        table = np.full(256, UNMAPPED, dtype=np.int16)
        table[IGNORE] = IGNORE
        for cls, value in mapping.items():
            try:
                c, v = int(cls), int(value)
            except (TypeError, ValueError):
                raise FormatError(f"the label map maps {cls!r} to {value!r}; both must be "
                                  f"integers", MAP_HINT, source=name) from None
            if not 0 <= v <= 255 or c < 0:
                raise FormatError(f"the label map maps class {c} to {v}, not a mask value "
                                  f"0-255", MAP_HINT, source=name)
            table[v] = c
        return table
    try:
        scale = int(float((doc or {}).get("scale", "1"))) if isinstance(doc, dict) else None
    except (TypeError, ValueError):
        scale = None
    if not scale or scale < 1:
        raise FormatError("the label map is neither a positive \"scale\" nor a \"map\"",
                          MAP_HINT, source=name)
    table = np.arange(256, dtype=np.int16) // scale
    table[IGNORE] = IGNORE
    return table


def decode_mask(data: bytes, where: str, source: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as mask:
            if mask.mode not in ("L", "P", "1"):
                raise FormatError(f"{where} has the pixel mode {mask.mode!r}, not a "
                                  f"single-channel 8-bit mask", MASK_HINT, source=source)
            return np.asarray(mask, dtype=np.uint8)
    except FormatError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise FormatError(f"{where} cannot be decoded as a PNG mask ({exc.__class__.__name__})",
                          MASK_HINT, source=source) from None


def read_masked_images(mask_source, image_bytes, batch_size: int = 64, name: str | None = None,
                       image_root_name: str = "the image channel", on_error=None,
                       label_map: bytes | None = None,
                       label_map_name: str = "label map") -> Iterator[Batch]:
    """The image a mask annotates (same base name), labelled with the mask's classes (one
    record; its location is the mask file)."""
    name = source_name(mask_source, name)
    stem = posixpath.splitext(posixpath.basename(name))[0]
    try:
        table = label_table(label_map, label_map_name)
        with open_binary(mask_source) as f:
            mask = decode_mask(f.read(), "the annotation", name)
        data, found = None, None
        for suffix in IMAGE_SUFFIXES:
            data = image_bytes(stem + suffix)
            if data is not None:
                found = stem + suffix
                break
        if data is None:
            raise FormatError(
                f"no image named {stem}.jpg (or .jpeg, .png) is in the image channel "
                f"({image_root_name})", "Every annotation needs an image of the same base name",
                source=name)
        image = decode_image(data, f"the image {found!r}", name)
        if image.shape[:2] != mask.shape:
            raise FormatError(
                f"the mask is {mask.shape[1]}x{mask.shape[0]} pixels but its image {found!r} is "
                f"{image.shape[1]}x{image.shape[0]}", MASK_HINT, source=name)
    except FormatError as exc:
        if on_error is None:
            raise
        on_error(exc)
        return
    labels = np.empty(1, dtype=object)
    labels[0] = table[mask]
    yield Batch(_object_column([image]), labels, name, 0, offsets=np.zeros(1, np.int64))
