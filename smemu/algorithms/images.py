"""What the image built-ins' small reference models share: turning decoded images (the formats
layer's ``(height, width, 3)`` uint8 arrays) into fixed-length pixel features, and the checks of
an image's size against ``image_shape``.

An image is prepared as the real containers prepare theirs for the network — the shorter side
resized to ``resize`` when it is set, then the centre ``height x width`` of ``image_shape`` cut
out — and then average-pooled in ``POOL_GRID`` x ``POOL_GRID`` blocks (what MXNet's ``Pooling``
with ``pool_type='avg'``, a kernel and stride of ``(height // POOL_GRID, width // POOL_GRID)``
computes), scaled to [0, 1]: a few hundred numbers a reference model can learn from in seconds.
"""

from __future__ import annotations

import fnmatch

import numpy as np

from smemu.algorithms.base import InputChecks
from smemu.algorithms.data import empty_channel
from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.inference import Predictor
from smemu.formats import FormatError
from smemu.formats.images import decode_image

POOL_GRID = 8


def pool_kernel(height: int, width: int) -> tuple[int, int]:
    return max(1, height // POOL_GRID), max(1, width // POOL_GRID)


def feature_count(image_shape: tuple[int, int, int]) -> int:
    channels, height, width = image_shape
    kh, kw = pool_kernel(height, width)
    return channels * (height // kh) * (width // kw)


def resized(image: np.ndarray, shorter: int) -> np.ndarray:
    """``image`` with its shorter side scaled to ``shorter`` pixels (nearest neighbour)."""
    height, width = image.shape[:2]
    scale = shorter / min(height, width)
    new_h, new_w = max(1, round(height * scale)), max(1, round(width * scale))
    rows = np.minimum((np.arange(new_h) + 0.5) / scale, height - 1).astype(np.int64)
    cols = np.minimum((np.arange(new_w) + 0.5) / scale, width - 1).astype(np.int64)
    return image[rows][:, cols]


def resized_to(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """``image`` scaled to exactly ``height`` x ``width`` (nearest neighbour)."""
    h, w = image.shape[:2]
    rows = np.minimum(((np.arange(height) + 0.5) * h / height).astype(np.int64), h - 1)
    cols = np.minimum(((np.arange(width) + 0.5) * w / width).astype(np.int64), w - 1)
    return image[rows][:, cols]


def colour_features(image: np.ndarray, position: bool = False) -> np.ndarray:
    """(height * width, k) per-pixel features, row-major: the colour scaled to [0, 1] and its
    second-order terms (r^2, g^2, b^2, rg, rb, gb), so a linear classifier separates colour
    regions; with ``position`` also the pixel's centre (x, y in [0, 1]) and x^2, y^2, xy."""
    rgb = image.reshape(-1, 3).astype(np.float32) / 255.0
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    columns = [r, g, b, r * r, g * g, b * b, r * g, r * b, g * b]
    if position:
        h, w = image.shape[:2]
        y, x = np.mgrid[0:h, 0:w].astype(np.float32)
        x, y = ((x + 0.5) / w).ravel(), ((y + 0.5) / h).ravel()
        columns += [x, y, x * x, y * y, x * y]
    return np.stack(columns, axis=1)


def too_small(image: np.ndarray, image_shape, resize: int | None) -> str | None:
    """Why ``image`` cannot be cut to ``image_shape`` (None when it can)."""
    _, height, width = image_shape
    if resize:
        h, w = image.shape[:2]
        scale = resize / min(h, w)
        h, w = round(h * scale), round(w * scale)
    else:
        h, w = image.shape[:2]
    if h < height or w < width:
        how = f"resized to {h}x{w}" if resize else f"{h}x{w} (height x width)"
        return (f"the image is {how}, smaller than image_shape's {height}x{width}; "
                f"set resize to at least {max(height, width)} or use larger images")
    return None


def pixel_features(images, image_shape, resize: int | None = None) -> np.ndarray:
    """(n, feature_count) float32 features of an (n,) or (n, 1) array of decoded images."""
    channels, height, width = image_shape
    kh, kw = pool_kernel(height, width)
    oh, ow = height // kh, width // kw
    items = np.asarray(images, dtype=object).reshape(-1)
    out = np.empty((len(items), channels * oh * ow), dtype=np.float32)
    for i, image in enumerate(items):
        if resize:
            image = resized(image, resize)
        h, w = image.shape[:2]
        top, left = max(0, (h - height) // 2), max(0, (w - width) // 2)
        crop = image[top:top + height, left:left + width].astype(np.float32)
        if crop.shape[0] < height or crop.shape[1] < width:     # serving: pad small images
            crop = np.pad(crop, ((0, height - crop.shape[0]), (0, width - crop.shape[1]), (0, 0)),
                          mode="edge")
        if channels == 1:
            crop = crop.mean(axis=2, keepdims=True)
        crop = crop[:oh * kh, :ow * kw]
        pooled = crop.reshape(oh, kh, ow, kw, crop.shape[2]).mean(axis=(1, 3))
        out[i] = (pooled.transpose(2, 0, 1) / 255.0).ravel()     # channel-major, as MXNet's NCHW
    return out


def check_image_sizes(batch, channel: str, image_shape, resize: int | None) -> None:
    """A DataError naming the first image of the batch too small for ``image_shape``."""
    for row, image in enumerate(np.asarray(batch.features, dtype=object).reshape(-1)):
        why = too_small(image, image_shape, resize)
        if why:
            raise DataError(f"Channel '{channel}' has an image at {batch.location(row)} that "
                            f"cannot be used: {why}.")


def count_remark(records: int, num_training_samples: int) -> str:
    """What training warns (and validate notes) when the train channel holds another count than
    ``num_training_samples`` (the real algorithms do not fail)."""
    return (f"num_training_samples is {num_training_samples} but the train channel holds "
            f"{records} images; the real algorithm's learning-rate schedule then behaves in an "
            f"undefined way. Set num_training_samples={records}.")


class ImageChecks(InputChecks):
    """What the three image built-ins check alike: their image channels (``train``,
    ``validation``; the listing, annotation and label-map channels hold no images) must not be
    empty, and a train channel of another size than ``num_training_samples`` is remarked on."""

    IMAGE_CHANNELS = ("train", "validation")

    def __init__(self, config: Config):
        self.num_classes = config["num_classes"]
        self.num_training_samples = config["num_training_samples"]

    def end(self, channel: str, records: int) -> None:
        if records == 0 and channel in self.IMAGE_CHANNELS:
            raise empty_channel(channel)

    def remarks(self, channel: str, records: int) -> list[str]:
        if channel != "train" or records == self.num_training_samples:
            return []
        return [count_remark(records, self.num_training_samples)]


def unlabelled(batch, channel: str, listing: str, recordio: str) -> DataError:
    """The error for an image that reached training without its labels: ``listing`` says what
    the listing channel gives, ``recordio`` how a RecordIO record carries them."""
    return DataError(
        f"Channel '{channel}' has an image without its labels at {batch.location(0)}. With "
        f"ContentType application/x-image give a '{channel}_{listing}; with "
        f"application/x-recordio {recordio}.")


def require_model_files(files: dict, names, algorithm: str) -> None:
    """A DataError unless ``files`` holds each of ``names`` (glob patterns allowed)."""
    missing = [name for name in names if not fnmatch.filter(files, name)]
    if missing:
        raise DataError(f"The {algorithm} model.tar.gz holds {', '.join(names)}; "
                        f"{', '.join(missing)} is missing. Give the model.tar.gz its training "
                        f"job wrote.")


class ImagePredictor(Predictor):
    """What the image built-ins' endpoints share: a request is one encoded image
    (``image/jpeg``, ``image/png`` or ``application/x-image``), decoded with Pillow into a
    ``(1, 1)`` object array of its ``(height, width, 3)`` pixels for ``predict``; an image that
    cannot be decoded is the request's error (400)."""

    request_types = ("image/jpeg", "image/png", "application/x-image")
    csv_output = False
    feature_dim = 1        # one image a record

    def decode(self, body: bytes, media: str):
        try:
            pixels = decode_image(body, "The request body")
        except FormatError as exc:
            raise DataError(str(exc)) from None
        features = np.empty((1, 1), dtype=object)
        features[0, 0] = pixels
        return features
