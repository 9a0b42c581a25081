"""What semantic segmentation checks of its records, shared by training and ``smemu validate``:
every image has its mask (the formats layer pairs them and checks their sizes), and every mask
value is a class below ``num_classes`` (or 255, ignored) after the label map."""

from __future__ import annotations

import numpy as np

from smemu.algorithms.errors import DataError
from smemu.algorithms.images import ImageChecks

IGNORE = 255

class SegmentationChecks(ImageChecks):
    def batch(self, batch, channel: str) -> None:
        if batch.labels is None or batch.labels.dtype != object:
            raise DataError(
                f"Channel '{channel}' has an image without a mask at {batch.location(0)}. Give a "
                f"'{channel}_annotation' channel holding a PNG mask for every image, with the "
                f"image's base name, and ContentType application/x-image (or image/jpeg).")

    def records(self, batch, channel: str) -> None:
        k = self.num_classes
        for row, mask in enumerate(batch.labels):
            bad = (mask >= k) & (mask != IGNORE)
            if bad.any():
                values = sorted(set(np.unique(mask[bad]).tolist()))
                shown = ", ".join("unmapped" if v > 255 else str(v) for v in values[:5])
                raise DataError(
                    f"Channel '{channel}' has a mask at {batch.location(row)} with values "
                    f"{shown} outside the classes 0 to {k - 1} (num_classes={k}; 255 is "
                    f"ignored). Fix the mask, its label map or num_classes.")

