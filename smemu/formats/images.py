"""Image data as the image built-ins read it: encoded images (JPEG, PNG ...) decoded with Pillow,
im2rec RecordIO files, and ``.lst`` listings.

* **im2rec RecordIO** (``application/x-recordio`` on the image algorithms' channels): each
  RecordIO record (smemu's framing, :mod:`.recordio`) is MXNet's ``IRHeader`` — ``flag`` (uint32),
  ``label`` (float32), ``id`` and ``id2`` (uint64), 24 bytes as ``struct`` packs ``"IfQQ"`` —
  then, when ``flag`` > 0, ``flag`` float32 labels (multi-label records; ``label`` is then 0),
  then the encoded image (what ``mxnet.recordio.pack_img`` and im2rec write).
* **.lst** (``application/x-image`` with ``train_lst``): one image a line, tab-separated: an
  integer index, one or more labels, the image's path relative to the image channel (what
  im2rec's ``--list`` writes).

Batches of images carry ``features`` as an ``(n, 1)`` object array whose items are decoded
``(height, width, 3)`` uint8 arrays (images differ in size; algorithms resize them), and labels
as float arrays — ``(n,)``, or ``(n, k)`` for k labels a record.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Iterator

import numpy as np

from .batch import Batch
from .errors import FormatError
from .recordio import read_recordio
from .sources import open_binary, source_name

IR_FORMAT = "IfQQ"
IR_SIZE = struct.calcsize(IR_FORMAT)
#: Pillow modes decoded to RGB (MXNet's imdecode reads colour images as 3 channels)
COLOUR_MODES = ("RGB", "L", "RGBA", "P", "LA", "CMYK", "YCbCr", "1")
MAX_PIXELS = 89_478_485   # Pillow's decompression-bomb limit
IMAGE_HINT = "Give a JPEG or PNG image with 8-bit channels (grayscale, RGB or RGBA)"
RECORDIO_HINT = ("Write the file with MXNet's im2rec.py or mxnet.recordio.pack_img: an IRHeader "
                 "(flag, label, id, id2) then the encoded image")
LST_HINT = ("A .lst line is: an integer index, one or more numeric labels and the image's path "
            "relative to the image channel, separated by tabs")


def pack_header(label, record_id: int = 0, id2: int = 0) -> bytes:
    """The IRHeader (and multi-label floats) before an image, as ``mxnet.recordio.pack`` writes
    it: a number is one label (``flag`` 0), a sequence of k labels is ``flag`` k."""
    if np.ndim(label) == 0:
        return struct.pack(IR_FORMAT, 0, float(label), record_id, id2)
    values = np.asarray(label, dtype="<f4").ravel()
    return struct.pack(IR_FORMAT, len(values), 0.0, record_id, id2) + values.tobytes()


def decode_image(data: bytes, where: str, source: str | None = None, **place) -> np.ndarray:
    """The ``(height, width, 3)`` uint8 pixels of an encoded image; a FormatError naming
    ``where`` (e.g. ``the image cat/1.jpg``) and the place (``source``, ``line=``/``record=``)
    when it cannot be decoded or is of a kind the algorithms do not read."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise FormatError(f"{where} is {width}x{height} pixels, over the {MAX_PIXELS} "
                                  f"pixels an image may have", "Resize it", source=source, **place)
            if image.mode not in COLOUR_MODES:
                raise FormatError(f"{where} has the pixel mode {image.mode!r} (e.g. 16-bit or "
                                  f"floating point), which the image algorithms do not read",
                                  IMAGE_HINT, source=source, **place)
            pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
    except FormatError:
        raise
    except UnidentifiedImageError:
        what = "is empty" if not data else \
            "cannot be decoded: its bytes are not an image format Pillow reads (JPEG, PNG ...)"
        raise FormatError(f"{where} {what}", IMAGE_HINT, source=source, **place) from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        what = f"cannot be decoded as an image ({exc})"
        raise FormatError(f"{where} {what}", IMAGE_HINT, source=source, **place) from None
    if pixels.ndim != 3 or pixels.shape[0] < 1 or pixels.shape[1] < 1:
        raise FormatError(f"{where} has no pixels", IMAGE_HINT, source=source, **place)
    return pixels


def _object_column(images: list) -> np.ndarray:
    column = np.empty((len(images), 1), dtype=object)
    for i, image in enumerate(images):
        column[i, 0] = image
    return column


def _labels(rows: list) -> np.ndarray:
    widths = {len(r) for r in rows}
    if widths == {1}:
        return np.asarray([r[0] for r in rows], dtype=np.float32)
    width = max(widths)
    out = np.full((len(rows), width), np.nan, dtype=np.float32)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


class _Pending:
    """Images, labels and positions gathered until a batch is full."""

    def __init__(self, batch_size: int, source: str, text_rows: bool):
        self.batch_size, self.source, self.text_rows = batch_size, source, text_rows
        self.images, self.labels, self.positions = [], [], []
        self.first = 0

    def add(self, image, labels, position) -> Iterator[Batch]:
        self.images.append(image)
        self.labels.append(labels)
        self.positions.append(position)
        if len(self.images) >= self.batch_size:
            yield self.emit()

    def emit(self) -> Batch:
        positions = np.asarray(self.positions, dtype=np.int64)
        batch = Batch(_object_column(self.images), _labels(self.labels), self.source, self.first,
                      offsets=None if self.text_rows else positions,
                      lines=positions if self.text_rows else None)
        self.first += len(self.images)
        self.images, self.labels, self.positions = [], [], []
        return batch

    def finish(self) -> Iterator[Batch]:
        if self.images:
            yield self.emit()


def read_image_recordio(source, batch_size: int = 64, name: str | None = None,
                        on_error=None) -> Iterator[Batch]:
    """Batches of decoded images and their labels from an im2rec RecordIO file or stream. With
    ``on_error``, a bad record is handed to it as a FormatError and skipped (bad framing still
    ends the read)."""
    pending = None
    for record, (payload, offset) in enumerate(read_recordio(source, name)):
        if pending is None:
            pending = _Pending(batch_size, name or "<stream>", text_rows=False)
            pending.first = 0
        place = {"record": record, "offset": offset}
        try:
            if len(payload) < IR_SIZE:
                raise FormatError(f"the record holds {len(payload)} bytes, fewer than the "
                                  f"{IR_SIZE}-byte IRHeader", RECORDIO_HINT, source=name, **place)
            flag, label, _id, _id2 = struct.unpack_from(IR_FORMAT, payload)
            start = IR_SIZE
            if flag > 0:
                if len(payload) < IR_SIZE + 4 * flag:
                    raise FormatError(f"the IRHeader's flag says {flag} labels follow, but the "
                                      f"record is too short for them", RECORDIO_HINT,
                                      source=name, **place)
                labels = np.frombuffer(payload, "<f4", flag, IR_SIZE).tolist()
                start += 4 * flag
            else:
                labels = [label]
            image = decode_image(payload[start:], "the record's image", name, **place)
        except FormatError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        yield from pending.add(image, labels, offset)
    if pending is not None:
        yield from pending.finish()


def parse_lst_line(text: str, name: str, line: int) -> tuple[int, list[float], str]:
    """(index, labels, relative path) of one ``.lst`` line; a FormatError naming the line."""
    cells = text.rstrip("\r\n").split("\t")
    if len(cells) < 3:
        raise FormatError(f"the line has {len(cells)} tab-separated column(s); a .lst line has "
                          f"at least 3", LST_HINT, source=name, line=line)
    try:
        index = int(cells[0])
    except ValueError:
        raise FormatError(f"the index {cells[0]!r} is not an integer", LST_HINT, source=name,
                          line=line) from None
    labels = []
    for column, cell in enumerate(cells[1:-1], start=2):
        try:
            value = float(cell)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value):
            raise FormatError(f"the label {cell!r} is not a number", LST_HINT, source=name,
                              line=line, column=column)
        labels.append(value)
    path = cells[-1].strip()
    if not path:
        raise FormatError("the image path (the last column) is empty", LST_HINT, source=name,
                          line=line)
    return index, labels, path


def read_lst(source, name: str | None = None, on_error=None) -> Iterator[tuple[int, int, list, str]]:
    """``(line, index, labels, path)`` for each non-empty line of a ``.lst`` file."""
    name = source_name(source, name)
    with open_binary(source) as f:
        data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"the .lst file is not UTF-8 text ({exc})", LST_HINT,
                          source=name) from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield (number, *parse_lst_line(line, name, number))
        except FormatError as exc:
            if on_error is None:
                raise
            on_error(exc)


def read_listed_images(lst_source, image_bytes, batch_size: int = 64, name: str | None = None,
                       image_root_name: str = "the image channel",
                       on_error=None) -> Iterator[Batch]:
    """Batches of the images a ``.lst`` file lists, labelled as it says; ``image_bytes(path)``
    gives the bytes of the image at ``path`` (relative to the image channel), None when there is
    none. Each record's location is its line of the listing; a missing or undecodable image is a
    FormatError naming that line and the image."""
    name = source_name(lst_source, name)
    pending = _Pending(batch_size, name, text_rows=True)
    for line, _index, labels, relative in read_lst(lst_source, name, on_error):
        try:
            data = image_bytes(relative)
            if data is None:
                raise FormatError(
                    f"the image {relative!r} it lists is not in the image channel "
                    f"({image_root_name}/{relative} does not exist)",
                    "Upload the image, or fix its path (relative to the image channel)",
                    source=name, line=line)
            image = decode_image(data, f"the image {relative!r} it lists", name, line=line)
        except FormatError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        yield from pending.add(image, labels, line)
    yield from pending.finish()


def directory_images(root):
    """``image_bytes`` for :func:`read_listed_images` reading images below directory ``root``."""
    root = Path(root).resolve()

    def image_bytes(relative: str) -> bytes | None:
        path = (root / relative).resolve()
        inside = path == root or root in path.parents
        return path.read_bytes() if inside and path.is_file() else None

    return image_bytes
