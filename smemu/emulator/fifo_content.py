"""What a Pipe-mode FIFO carries, pass by pass: one component for the feeder that writes the FIFOs
(:mod:`smemu.emulator.pipes`) and for ``smemu validate``, which reads the same bytes without one
(:mod:`smemu.emulator.validation.pipe_stream`).

A pass streams the channel's objects in key order — shuffled per pass when the channel has a
``ShuffleConfig`` seed — each gunzipped for ``CompressionType=Gzip`` and, for
``RecordWrapperType=RecordIO``, wrapped whole in one RecordIO record (the framing of
:mod:`smemu.formats.recordio`). An augmented manifest's pass streams its lines, each line's
attributes one record each (:mod:`smemu.emulator.augmented_manifest`).
"""

from __future__ import annotations

import io
import random
from typing import BinaryIO

from smemu.emulator import staging
from smemu.emulator.spec import ChannelSpec


def epoch_order(objects: list[staging.StoredObject], shuffle_seed: int | None,
                epoch: int) -> list[staging.StoredObject]:
    """The order a pass streams the objects in: key order, or shuffled per epoch by the
    channel's ShuffleConfig seed."""
    if shuffle_seed is None:
        return objects
    order = list(objects)
    random.Random(f"{shuffle_seed}:{epoch}").shuffle(order)
    return order


def verbatim(channel: ChannelSpec) -> bool:
    """Whether the FIFO carries the objects' bytes unchanged (so they may be copied as they are)."""
    return (channel.compression != "Gzip" and channel.record_wrapper != "RecordIO"
            and channel.data_type != "AugmentedManifestFile")


def open_fed(channel: ChannelSpec, obj: staging.StoredObject) -> BinaryIO:
    """A reader of the bytes the FIFO carries for ``obj`` (for a line of an augmented manifest:
    its attributes, :func:`smemu.emulator.augmented_manifest.open_line`)."""
    if channel.data_type == "AugmentedManifestFile":
        from smemu.emulator.augmented_manifest import open_line
        return open_line(obj, channel.compression, channel.record_wrapper)
    src = staging.open_object(obj, channel.compression)
    if channel.record_wrapper != "RecordIO":
        return src
    from smemu.formats.recordio import MAX_PART, frame  # numpy: only for wrapped channels

    with src:
        payload = src.read()
    if len(payload) > MAX_PART:
        raise ValueError(f"{obj.uri} is {len(payload)} bytes; RecordWrapperType=RecordIO "
                         f"wraps objects of at most {MAX_PART} bytes.")
    return io.BytesIO(frame(payload))
