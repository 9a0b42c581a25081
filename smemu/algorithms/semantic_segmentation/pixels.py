"""Per-pixel features and scores of smemu's reference segmenter: pixels at a small working side,
described by colour and position (:func:`smemu.algorithms.images.colour_features`), and the
validation scores the real algorithm names, mIOU and pixel accuracy."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.images import colour_features, resized_to

WORKING_SIDE = 32
IGNORE = 255


def image_pixels(image: np.ndarray, side: int = WORKING_SIDE) -> np.ndarray:
    return colour_features(resized_to(image, side, side), position=True)


def mask_pixels(mask: np.ndarray, side: int = WORKING_SIDE) -> np.ndarray:
    return resized_to(np.asarray(mask), side, side).ravel().astype(np.int64)


def scores(predicted: np.ndarray, truth: np.ndarray, num_classes: int) -> tuple[float, float]:
    """(mIOU, pixel accuracy) over the pixels not ignored; mIOU averages the IoU of the classes
    present in the truth or the prediction."""
    keep = truth != IGNORE
    predicted, truth = predicted[keep], truth[keep]
    if not len(truth):
        return 0.0, 0.0
    ious = []
    for k in range(num_classes):
        p, t = predicted == k, truth == k
        union = np.count_nonzero(p | t)
        if union:
            ious.append(np.count_nonzero(p & t) / union)
    return float(np.mean(ious)), float(np.mean(predicted == truth))
