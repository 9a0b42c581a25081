"""Object detection annotations as the built-in reads them with ``application/x-image``: one JSON
file per image in the ``train_annotation``/``validation_annotation`` channel (AWS developer guide,
"Object Detection Algorithm", input/output interface)::

    {"file": "dog1.jpg", "image_size": [{"width": 500, "height": 400, "depth": 3}],
     "annotations": [{"class_id": 0, "left": 111, "top": 134, "width": 61, "height": 128}],
     "categories": [{"class_id": 0, "name": "dog"}]}

Boxes are in pixels (``left``, ``top`` from the image's top-left corner). A record's labels are
given in the layout of im2rec's detection RecordIO, so both inputs reach the algorithm alike:
``[2, 5, class, xmin, ymin, xmax, ymax, class, ...]`` — a header width of 2, a label width of 5,
then one object after another, corners normalised to [0, 1] by the image's size.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from .batch import Batch
from .errors import FormatError
from .images import _Pending, decode_image
from .sources import open_binary, source_name

HINT = ('An annotation file is JSON: {"file": "<image path>", "image_size": [{"width": W, '
        '"height": H, "depth": 3}], "annotations": [{"class_id": 0, "left": x, "top": y, '
        '"width": w, "height": h}, ...], "categories": [...]}')
HEADER = (2.0, 5.0)


@dataclass
class Annotation:
    file: str
    width: int
    height: int
    class_ids: list
    boxes: list          # [left, top, width, height] in pixels

    def labels(self) -> list[float]:
        """The im2rec detection label layout, corners normalised by the image size."""
        out = list(HEADER)
        for c, (left, top, w, h) in zip(self.class_ids, self.boxes):
            out += [float(c), left / self.width, top / self.height, (left + w) / self.width,
                    (top + h) / self.height]
        return out


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def parse_annotation(data: bytes, name: str, require_file: bool = True) -> Annotation:
    """The annotation in ``data``; a FormatError naming the file and the annotation at fault.
    ``require_file=False``: an augmented manifest's annotation, which names no ``file`` (its
    image is the record before it)."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"the annotation file is not valid JSON ({exc})", HINT,
                          source=name) from None
    if not isinstance(doc, dict):
        raise FormatError("the annotation is not a JSON object", HINT, source=name)
    if require_file and (not isinstance(doc.get("file"), str) or not doc["file"]):
        raise FormatError('the annotation has no "file" (the image it annotates)', HINT,
                          source=name)
    sizes = doc.get("image_size")
    size = sizes[0] if isinstance(sizes, list) and sizes and isinstance(sizes[0], dict) else None
    if size is None or not all(isinstance(size.get(k), int) and size[k] > 0
                               for k in ("width", "height")):
        raise FormatError('the annotation\'s "image_size" is not [{"width": W, "height": H, '
                          '"depth": D}] with positive integers', HINT, source=name)
    width, height = size["width"], size["height"]
    items = doc.get("annotations")
    if not isinstance(items, list):
        raise FormatError('the annotation has no "annotations" list', HINT, source=name)
    class_ids, boxes = [], []
    for i, item in enumerate(items):
        where = f"annotations[{i}]"
        if not isinstance(item, dict) or not all(_number(item.get(k)) for k in
                                                 ("class_id", "left", "top", "width", "height")):
            raise FormatError(f"{where} needs numbers class_id, left, top, width and height",
                              HINT, source=name)
        c = item["class_id"]
        if c != int(c) or c < 0:
            raise FormatError(f"{where} has class_id {c!r}; a class_id is an integer >= 0", HINT,
                              source=name)
        left, top, w, h = (float(item[k]) for k in ("left", "top", "width", "height"))
        if w <= 0 or h <= 0:
            raise FormatError(f"{where} has an empty box (width {w:g}, height {h:g})", HINT,
                              source=name)
        if left < 0 or top < 0 or left + w > width or top + h > height:
            raise FormatError(
                f"{where}'s box (left {left:g}, top {top:g}, width {w:g}, height {h:g}) is "
                f"outside the {width}x{height} image", "Boxes are in pixels, inside image_size",
                source=name)
        class_ids.append(int(c))
        boxes.append([left, top, w, h])
    file = doc.get("file") if isinstance(doc.get("file"), str) and doc.get("file") else "."
    return Annotation(posixpath.normpath(file), width, height, class_ids, boxes)


def read_annotated_images(json_source, image_bytes, batch_size: int = 64,
                          name: str | None = None, image_root_name: str = "the image channel",
                          on_error=None) -> Iterator[Batch]:
    """The image an annotation file annotates, labelled with its boxes (one record); its
    location is the annotation file. ``image_bytes(path)`` as for
    :func:`smemu.formats.images.read_listed_images`."""
    name = source_name(json_source, name)
    pending = _Pending(batch_size, name, text_rows=False)
    try:
        with open_binary(json_source) as f:
            annotation = parse_annotation(f.read(), name)
        data = image_bytes(annotation.file)
        if data is None:
            data = image_bytes(posixpath.basename(annotation.file))
        if data is None:
            raise FormatError(
                f"the image {annotation.file!r} it annotates is not in the image channel "
                f"({image_root_name}/{annotation.file} does not exist)",
                "Upload the image, or fix the annotation's file", source=name)
        image = decode_image(data, f"the image {annotation.file!r} it annotates", name)
        if image.shape[:2] != (annotation.height, annotation.width):
            raise FormatError(
                f"the image {annotation.file!r} is {image.shape[1]}x{image.shape[0]} pixels but "
                f"the annotation's image_size says {annotation.width}x{annotation.height}",
                "Fix image_size (width, height) or the image", source=name)
    except FormatError as exc:
        if on_error is None:
            raise
        on_error(exc)
        return
    yield from pending.add(image, annotation.labels(), 0)
    yield from pending.finish()

