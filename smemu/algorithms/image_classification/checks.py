"""What image classification checks of its channels' records, shared by training and
``smemu validate`` (see :class:`smemu.algorithms.base.InputChecks`): labels present and valid
for ``num_classes`` (one class index, or with ``multi_label=1`` a 0/1 value per class), every
image large enough for ``image_shape``, channels not empty."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.errors import DataError
from smemu.algorithms.hyperparameters import Config
from smemu.algorithms.image_classification.labels import class_id_labels
from smemu.algorithms.images import ImageChecks, check_image_sizes, unlabelled

#: the channels whose records are images (the .lst channels hold only listings)

class ImageClassificationChecks(ImageChecks):
    def __init__(self, config: Config):
        super().__init__(config)
        self.multi_label = config["multi_label"] == "1"
        self.image_shape = config["image_shape"]
        self.resize = config["resize"]

    def batch(self, batch, channel: str) -> None:
        if batch.labels is None:
            raise unlabelled(batch, channel, "lst' channel whose .lst file lists each image "
                             "with its label", "pack the label in each record's IRHeader "
                             "(im2rec.py does)")

    def records(self, batch, channel: str) -> None:
        k = self.num_classes
        if class_id_labels(batch.labels):
            self._class_ids(batch, channel)
            check_image_sizes(batch, channel, self.image_shape, self.resize)
            return
        labels = np.asarray(batch.labels, dtype=np.float64)
        if self.multi_label:
            labels = labels.reshape(len(labels), -1)
            if labels.shape[1] != k:
                bad = np.ones(len(labels), dtype=bool)
            else:
                bad = ~np.isin(labels, (0.0, 1.0)).all(axis=1)
            need = f"{k} values of 0 or 1 (one per class) with multi_label=1 and num_classes={k}"
        else:
            if labels.ndim > 1:
                raise DataError(
                    f"Channel '{channel}' has {labels.shape[1]} labels for the image at "
                    f"{batch.location(0)}, but multi_label=0 takes one class index per image. "
                    f"Give one label, or set multi_label=1.")
            bad = ~np.isfinite(labels) | (labels != np.round(labels)) | (labels < 0) | (labels >= k)
            need = f"an integer class index from 0 to {k - 1} (num_classes={k})"
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            shown = labels[row].tolist()
            raise DataError(f"Channel '{channel}' has label {shown!r} at {batch.location(row)}; "
                            f"the label must be {need}. Fix the label or num_classes.")
        check_image_sizes(batch, channel, self.image_shape, self.resize)

    def _class_ids(self, batch, channel: str) -> None:
        """An augmented manifest's label-format=class-id labels: ids in [0, num_classes), and
        one id an image with multi_label=0."""
        k = self.num_classes
        for row, ids in enumerate(batch.labels):
            outside = [i for i in ids if i >= k]
            if outside:
                raise DataError(f"Channel '{channel}' has class id {outside[0]} at "
                                f"{batch.location(row)}; class ids run from 0 to {k - 1} "
                                f"(num_classes={k}). Fix the label or num_classes.")
            if not self.multi_label and len(ids) != 1:
                raise DataError(f"Channel '{channel}' has {len(ids)} class ids {list(ids)} at "
                                f"{batch.location(row)}, but multi_label=0 takes one class per "
                                f"image. Give one class id, or set multi_label=1.")

