"""Image classification's labels as arrays: an augmented manifest with
``label-format=class-id`` gives each image a tuple of the class ids that apply (an object array,
since only ``num_classes`` fixes their width); training turns them into what the other formats
give, a class index per image or, with ``multi_label=1``, one 0/1 value per class."""

from __future__ import annotations

import numpy as np


def class_id_labels(labels) -> bool:
    """Whether a batch's labels are class id tuples (label-format=class-id)."""
    return isinstance(labels, np.ndarray) and labels.dtype == object


def label_array(labels, num_classes: int, multi_label: bool) -> np.ndarray:
    """The batch's labels as float32: class id tuples become a class index (multi_label=0, one
    id each: the checks saw to it) or a multi-hot row; other labels are taken as they are."""
    if not class_id_labels(labels):
        return np.asarray(labels, dtype=np.float32)
    if not multi_label:
        return np.array([ids[0] for ids in labels], dtype=np.float32)
    hot = np.zeros((len(labels), num_classes), dtype=np.float32)
    for row, ids in enumerate(labels):
        hot[row, list(ids)] = 1.0
    return hot
