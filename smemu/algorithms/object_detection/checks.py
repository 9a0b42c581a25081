"""What object detection checks of its channels' records, shared by training and ``smemu
validate``: every record carries boxes in the im2rec detection layout (the annotation JSON is
read into it), each with a class_id below ``num_classes`` and corners inside the image."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.errors import DataError
from smemu.algorithms.images import ImageChecks, unlabelled
from smemu.algorithms.object_detection.boxes import objects


class ObjectDetectionChecks(ImageChecks):
    def batch(self, batch, channel: str) -> None:
        if batch.labels is None:
            raise unlabelled(batch, channel, "annotation' channel with a JSON annotation per "
                             "image", "pack the boxes in each record's label (im2rec.py "
                             "--pack-label)")

    def records(self, batch, channel: str) -> None:
        labels = np.asarray(batch.labels, dtype=np.float64)
        labels = labels.reshape(len(labels), -1)
        k = self.num_classes
        for row, label in enumerate(labels):
            try:
                boxes = objects(label)
            except ValueError as exc:
                raise DataError(
                    f"Channel '{channel}' has a label at {batch.location(row)} that is not in "
                    f"the detection layout [header_width, label_width, class, xmin, ymin, xmax, "
                    f"ymax, ...] ({exc}). Pack it with im2rec.py --pack-label.") from None
            bad_class = (boxes[:, 0] != np.round(boxes[:, 0])) | (boxes[:, 0] < 0) | \
                (boxes[:, 0] >= k)
            if bad_class.any():
                c = boxes[bad_class][0, 0]
                raise DataError(
                    f"Channel '{channel}' has an object of class_id {c:g} at "
                    f"{batch.location(row)}; class_id must be an integer from 0 to {k - 1} "
                    f"(num_classes={k}). Fix the class_id or num_classes.")
            corners = boxes[:, 1:]
            bad_box = ((corners < 0) | (corners > 1)).any(axis=1) | \
                (corners[:, 2] <= corners[:, 0]) | (corners[:, 3] <= corners[:, 1])
            if bad_box.any():
                box = ", ".join(f"{v:g}" for v in corners[bad_box][0])
                raise DataError(
                    f"Channel '{channel}' has a box ({box}) at {batch.location(row)} outside the "
                    f"image: corners xmin < xmax and ymin < ymax, normalised to [0, 1].")

