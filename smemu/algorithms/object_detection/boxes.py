"""Boxes for smemu's reference object detector: the im2rec detection label layout read back,
pixel targets from boxes, boxes from a per-pixel class map (connected components), and mean
average precision as PASCAL VOC computes it (IoU >= 0.5, all-point interpolated precision)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

IOU = 0.5
MIN_PIXELS = 4     # smaller components are noise, not objects


def objects(labels) -> np.ndarray:
    """(m, 5) ``class, xmin, ymin, xmax, ymax`` of one record's labels in the im2rec detection
    layout ``[header_width, label_width, (extra header), object, object, ...]``."""
    row = np.asarray(labels, dtype=np.float64).ravel()
    row = row[~np.isnan(row)]
    if len(row) < 2:
        return np.zeros((0, 5))
    header, width = int(row[0]), int(row[1])
    body = row[header:]
    if header < 2 or width < 5 or len(body) % width:
        raise ValueError(f"header width {row[0]!r}, label width {row[1]!r}")
    return body.reshape(-1, width)[:, :5]


def pixel_targets(boxes: np.ndarray, height: int, width: int) -> np.ndarray:
    """(height * width,) class + 1 of each pixel whose centre is in an object's box, 0 for
    background (later boxes over earlier ones)."""
    target = np.zeros((height, width), dtype=np.int64)
    y, x = (np.arange(height) + 0.5) / height, (np.arange(width) + 0.5) / width
    for c, x0, y0, x1, y1 in boxes:
        rows = (y >= y0) & (y <= y1)
        cols = (x >= x0) & (x <= x1)
        target[np.ix_(rows, cols)] = int(c) + 1
    return target.ravel()


def detect(probabilities: np.ndarray, height: int, width: int) -> np.ndarray:
    """(m, 6) ``class, score, xmin, ymin, xmax, ymax`` (normalised) of the connected regions of
    each class in the per-pixel argmax map, best score first; the score is the region's mean
    probability of its class."""
    probs = probabilities.reshape(height, width, -1)
    best = probs.argmax(axis=2)
    found = []
    for k in range(1, probs.shape[2]):
        regions, count = ndimage.label(best == k)
        for index, where in enumerate(ndimage.find_objects(regions), start=1):
            mask = regions[where] == index
            if mask.sum() < MIN_PIXELS:
                continue
            score = float(probs[where][..., k][mask].mean())
            ys, xs = where
            found.append([k - 1, score, xs.start / width, ys.start / height, xs.stop / width,
                          ys.stop / height])
    found.sort(key=lambda d: -d[1])
    return np.asarray(found, dtype=np.float64).reshape(-1, 6)


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-12)


def mean_average_precision(detections: list, truths: list, num_classes: int) -> float:
    """VOC mAP over the classes that have objects: ``detections[i]`` (m, 6) and ``truths[i]``
    (g, 5) of image i."""
    aps = []
    for k in range(num_classes):
        gts = [t[t[:, 0] == k, 1:] for t in truths]
        total = sum(len(g) for g in gts)
        if total == 0:
            continue
        scored = [(d[1], i, d[2:]) for i, ds in enumerate(detections) for d in ds if d[0] == k]
        scored.sort(key=lambda s: -s[0])
        used = [np.zeros(len(g), dtype=bool) for g in gts]
        hits = []
        for _score, i, box in scored:
            overlaps = iou(box, gts[i]) if len(gts[i]) else np.zeros(0)
            j = int(overlaps.argmax()) if len(overlaps) else -1
            hit = j >= 0 and overlaps[j] >= IOU and not used[i][j]
            if hit:
                used[i][j] = True
            hits.append(hit)
        hits = np.asarray(hits, dtype=bool)
        tp = np.cumsum(hits)
        recall = tp / total
        precision = tp / np.arange(1, len(hits) + 1)
        r = np.concatenate([[0.0], recall, [1.0]])
        p = np.concatenate([[0.0], precision, [0.0]])
        p = np.maximum.accumulate(p[::-1])[::-1]
        steps = np.flatnonzero(r[1:] != r[:-1])
        aps.append(float(np.sum((r[steps + 1] - r[steps]) * p[steps + 1])))
    return float(np.mean(aps)) if aps else 0.0
