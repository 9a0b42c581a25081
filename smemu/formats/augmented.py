"""The image built-ins' records from an augmented manifest (Pipe mode, ``ContentType
application/x-recordio``, ``RecordWrapperType RecordIO``): the FIFO carries, for each manifest
line, one RecordIO record per attribute of ``AttributeNames`` — for the three image built-ins two,
the image first, then its label (AWS developer guide, each algorithm's "Train with Augmented
Manifest Image Format": "It accepts piped data in a specific order, with image first, followed by
label" / "annotations"):

* ``class`` (image classification): the label record is a number (``0``, ``"0"``) or, for
  ``multi_label=1``, a JSON list of one 0/1 value per class (``[1, 0, 1]``, the ``multi-hot``
  label format, the default); with ``label_format="class-id"`` (the content type's
  ``label-format=class-id``, what Ground Truth writes) a JSON list of the class ids that apply
  (``[0, 2]``), given as a batch's labels of tuples (an object array: their width is
  ``num_classes``, which the algorithm knows and the reader does not);
* ``boxes`` (object detection): the annotation object ``{"image_size": [{"width", "height",
  "depth"}], "annotations": [{"class_id", "left", "top", "width", "height"}, ...]}``, read by
  :func:`smemu.formats.annotations.parse_annotation` into the im2rec detection label layout;
* ``mask`` (semantic segmentation): the bytes of the PNG mask the second ``-ref`` names, read by
  :func:`smemu.formats.masks.decode_mask`; a mask value is its class.

The number of records a line carries is not in ``inputdataconfig.json``; as the real algorithms'
documentation fixes it, smemu reads groups of ``ATTRIBUTES`` (2). A record's location is its
RecordIO record number and byte offset in the stream, and the manifest line of the pass
(``record // 2 + 1``: the line of the manifest when the channel is not shuffled).
"""

from __future__ import annotations

import json
from typing import Iterator

import numpy as np

from .annotations import parse_annotation
from .batch import Batch
from .errors import FormatError, describe_location
from .images import _Pending, decode_image
from .masks import MASK_HINT, decode_mask, label_table
from .recordio import read_recordio

ATTRIBUTES = 2
LABEL_KINDS = ("class", "boxes", "mask")
ORDER_HINT = ("An augmented manifest for this algorithm lists AttributeNames as the image's "
              "-ref first, then its {label}, and is read with RecordWrapperType RecordIO")
LABEL_NAMES = {"class": "label (\"class\")", "boxes": "annotation (\"bounding-box\")",
               "mask": "mask's -ref"}
CLASS_HINT = ("The label attribute is a class index (0, \"0\") or, with multi_label=1, a JSON "
              "list of one 0 or 1 per class ([1, 0, 1])")
CLASS_ID_HINT = ("With label-format=class-id the label attribute is a JSON list of the class ids "
                 "that apply to the image ([0, 2]), each an integer from 0 to num_classes - 1")
LABEL_FORMATS = ("multi-hot", "class-id")


class AugmentedBatch(Batch):
    """A batch of manifest lines: row i is line ``first_record + i + 1`` of the pass, whose
    image is RecordIO record ``ATTRIBUTES * (first_record + i)`` of the stream."""

    def rows(self, lo: int, hi: int) -> "AugmentedBatch":
        part = super().rows(lo, hi)
        return AugmentedBatch(part.features, part.labels, part.source, part.first_record,
                              offsets=part.offsets)

    def location(self, row: int) -> str:
        index = self.first_record + row
        offset = int(self.offsets[row]) if self.offsets is not None else None
        return (describe_location(self.source, record=ATTRIBUTES * index, offset=offset)
                + f" (the image of manifest line {index + 1})")


def _where(record: int, what: str) -> str:
    return f"the {what} of manifest line {record // ATTRIBUTES + 1} (attribute {record % ATTRIBUTES + 1} of {ATTRIBUTES})"


def _label_numbers(data: bytes, string_as) -> list | None:
    """The numbers a label record holds: a JSON number, a list of them, or a string read by
    ``string_as``; None when it holds something else."""
    try:
        value = json.loads(data.decode("utf-8"))
        if isinstance(value, str):
            value = string_as(value)
    except (UnicodeDecodeError, ValueError):
        return None
    values = value if isinstance(value, list) else [value]
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)
                      for v in values):
        return values
    return None


def _class_label(data: bytes, place: dict, name: str) -> list[float]:
    values = _label_numbers(data, float)
    if values is None:
        shown = data[:40].decode("utf-8", "replace")
        raise FormatError(f"{_where(place['record'], 'label')} is {shown!r}, not a class index "
                          f"or a list of numbers", CLASS_HINT, source=name, **place)
    return [float(v) for v in values]


def _class_ids(data: bytes, place: dict, name: str) -> tuple[int, ...]:
    """The class ids of a ``label-format=class-id`` label: a JSON list of non-negative integers
    (a bare integer, or its string, is a list of one)."""
    values = _label_numbers(data, int)
    if values is None or not all(v == int(v) and v >= 0 for v in values):
        shown = data[:40].decode("utf-8", "replace")
        raise FormatError(f"{_where(place['record'], 'label')} is {shown!r}, not a list of "
                          f"class ids", CLASS_ID_HINT, source=name, **place)
    return tuple(int(v) for v in values)


def _pair(kind: str, image_data: bytes, label_data: bytes, image_place: dict,
          label_place: dict, name: str, table: np.ndarray, class_ids: bool = False):
    """(decoded image, labels) of one manifest line."""
    hint = ORDER_HINT.format(label=LABEL_NAMES[kind])
    try:
        image = decode_image(image_data, _where(image_place["record"], "image"), name,
                             **image_place)
    except FormatError as exc:
        raise FormatError(exc.problem, f"{exc.hint}. {hint}", source=name, **image_place) from None
    if kind == "class":
        if class_ids:
            return image, _class_ids(label_data, label_place, name)
        return image, _class_label(label_data, label_place, name)
    if kind == "boxes":
        try:
            annotation = parse_annotation(label_data, name, require_file=False)
        except FormatError as exc:
            raise FormatError(f"{_where(label_place['record'], 'annotation')}: {exc.problem}",
                              exc.hint, source=name, **label_place) from None
        if image.shape[:2] != (annotation.height, annotation.width):
            raise FormatError(
                f"{_where(image_place['record'], 'image')} is {image.shape[1]}x{image.shape[0]} "
                f"pixels but its annotation's image_size says "
                f"{annotation.width}x{annotation.height}", "Fix image_size (width, height) or "
                "the image", source=name, **label_place)
        return image, annotation.labels()
    mask = decode_mask(label_data, _where(label_place["record"], "mask"), name)
    if image.shape[:2] != mask.shape:
        raise FormatError(
            f"{_where(label_place['record'], 'mask')} is {mask.shape[1]}x{mask.shape[0]} pixels "
            f"but its image is {image.shape[1]}x{image.shape[0]}", MASK_HINT, source=name,
            **label_place)
    return image, table[mask]


def read_augmented_images(source, batch_size: int = 64, name: str | None = None,
                          on_error=None, label: str = "class",
                          label_format: str = "multi-hot") -> Iterator[Batch]:
    """Batches of decoded images labelled as the augmented manifest's records say (``label``:
    one of LABEL_KINDS; ``label_format``, for ``class``: one of LABEL_FORMATS). With
    ``on_error``, a bad line is handed to it as a FormatError and skipped (bad framing still
    ends the read)."""
    if label not in LABEL_KINDS:
        raise ValueError(f"label must be one of {LABEL_KINDS}, not {label!r}")
    if label_format not in LABEL_FORMATS:
        raise ValueError(f"label_format must be one of {LABEL_FORMATS}, not {label_format!r}")
    class_ids = label == "class" and label_format == "class-id"
    name = name or "<stream>"
    table = label_table(None)
    pending = _Pending(batch_size, name, text_rows=False)
    masks: list = []       # the labels kept aside as objects: masks, or class id tuples
    held = None            # (payload, place) of the image record waiting for its label
    for record, (payload, offset) in enumerate(read_recordio(source, name)):
        place = {"record": record, "offset": offset}
        if record % ATTRIBUTES == 0:
            held = (payload, place)
            continue
        image_data, image_place = held
        held = None
        try:
            image, labels = _pair(label, image_data, payload, image_place, place, name, table,
                                  class_ids)
        except FormatError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        objects = label == "mask" or class_ids
        if objects:
            masks.append(labels)
            labels = [0.0]
        for batch in pending.add(image, labels, image_place["offset"]):
            yield _with_masks(batch, masks, objects)
    if held is not None:
        exc = FormatError(
            f"the stream ends after {held[1]['record'] + 1} records, an odd count: "
            f"{_where(held[1]['record'], 'image')} has no label record after it; each manifest "
            f"line gives {ATTRIBUTES} records",
            ORDER_HINT.format(label=LABEL_NAMES[label]), source=name, **held[1])
        if on_error is None:
            raise exc
        on_error(exc)
    for batch in pending.finish():
        yield _with_masks(batch, masks, class_ids or label == "mask")


def _with_masks(batch: Batch, masks: list, objects: bool) -> AugmentedBatch:
    """The batch as an AugmentedBatch; with ``objects`` its labels are the ones kept aside in
    ``masks`` (an object array): segmentation masks, as
    :func:`smemu.formats.masks.read_masked_images` gives them, or class id tuples."""
    labels = batch.labels
    if objects:
        taken = masks[:len(batch)]
        del masks[:len(batch)]
        labels = np.empty(len(taken), dtype=object)
        for i, mask in enumerate(taken):
            labels[i] = mask
    return AugmentedBatch(batch.features, labels, batch.source, batch.first_record,
                          offsets=batch.offsets)
