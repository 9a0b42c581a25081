"""Data channels inside the container, in File mode and Pipe mode, as the algorithms see them.

Both implement ``smemu.algorithms.base.DataChannel``: ``batches(batch_size)`` is one pass over the
channel as an iterator of ``smemu.formats`` batches, whatever the mode and content type.

* File mode: every non-hidden file under ``/opt/ml/input/data/<channel>/``, recursively, in sorted
  order of their relative paths; each file is read in turn (a batch never spans two files).
* Pipe mode: each call opens the next FIFO ``/opt/ml/input/data/<channel>_<epoch>`` (waiting for it
  to appear, as SageMaker's readers do) and reads it as one stream. Closing the iterator early
  closes the FIFO, which is allowed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

from smemu import contract
from smemu.algorithms.errors import CustomerError
from smemu.containers.paths import OptML
from smemu.algorithms.channel_config import channel_reader
from smemu.formats.images import directory_images
from smemu.formats.listings import is_listing, read_listing

FIFO_WAIT_SECONDS = float(os.environ.get(contract.ENV_FIFO_WAIT_SECONDS, "120"))
READ_BUFFER = 1 << 20


class FileChannel:
    def __init__(self, name: str, content_type: str | None, directory: Path, opt_ml: OptML,
                 descriptor=None, record_wrapper: str | None = None):
        self.name = name
        self.content_type = content_type
        self.directory = Path(directory)
        self.opt_ml = opt_ml
        self._reader = channel_reader(descriptor, name, content_type, record_wrapper)

    def files(self) -> list[Path]:
        out = []
        for root, dirs, files in os.walk(self.directory):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            out.extend(Path(root) / f for f in files if not f.startswith("."))
        return sorted(out, key=lambda p: p.relative_to(self.directory).as_posix())

    def batches(self, batch_size: int) -> Iterator:
        files = self.files()
        if not files:
            raise CustomerError(
                f"The '{self.name}' channel has no data: {self.opt_ml.logical(self.directory)} "
                "holds no files. Check the channel's S3Uri.")
        for path in files:
            yield from self._reader(path, batch_size=batch_size, name=self.opt_ml.logical(path))


class ListedImageChannel(FileChannel):
    """An ``application/x-image`` channel of images read through the listing files of its
    listing channel (``train`` through ``train_lst``'s ``.lst`` files, ``train_annotation``'s
    JSON files or PNG masks): each listed image, labelled as the listing says."""

    def __init__(self, name: str, directory: Path, listing: FileChannel, opt_ml: OptML,
                 label_maps: FileChannel | None = None):
        super().__init__(name, listing.content_type, directory, opt_ml)
        self.listing = listing
        self.label_maps = label_maps

    def label_map(self) -> tuple[bytes | None, str]:
        """The bytes and name of ``<name>_label_map.json`` in the label map channel (None: the
        default map)."""
        if self.label_maps is None:
            return None, "label map"
        path = self.label_maps.directory / f"{self.name}_label_map.json"
        shown = self.opt_ml.logical(path)
        return (path.read_bytes() if path.is_file() else None), shown

    def batches(self, batch_size: int) -> Iterator:
        listings = [p for p in self.listing.files() if is_listing(p.name)]
        if not listings:
            raise CustomerError(
                f"The '{self.listing.name}' channel holds no listing file (.lst, annotation "
                f".json, mask .png): with ContentType application/x-image the '{self.name}' "
                f"channel's images are listed with their labels in '{self.listing.name}'.")
        label_map, label_map_name = self.label_map()
        for path in listings:
            yield from read_listing(path, directory_images(self.directory), batch_size,
                                    name=self.opt_ml.logical(path),
                                    image_root_name=self.opt_ml.logical(self.directory),
                                    label_map=label_map, label_map_name=label_map_name)


class PipeChannel:
    def __init__(self, name: str, content_type: str | None, data_dir: Path, opt_ml: OptML,
                 descriptor=None, record_wrapper: str | None = None):
        self.name = name
        self.content_type = content_type
        self.data_dir = Path(data_dir)
        self.opt_ml = opt_ml
        self.epoch = 0
        self._reader = channel_reader(descriptor, name, content_type, record_wrapper)

    def fifo(self, epoch: int) -> Path:
        return self.data_dir / contract.fifo_name(self.name, epoch)

    def _wait_for(self, path: Path) -> None:
        deadline = time.monotonic() + FIFO_WAIT_SECONDS
        delay = 0.001
        while not path.exists():
            if time.monotonic() > deadline:
                raise CustomerError(
                    f"Pipe mode: the FIFO {self.opt_ml.logical(path)} did not appear within "
                    f"{FIFO_WAIT_SECONDS:.0f} seconds.")
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def batches(self, batch_size: int) -> Iterator:
        # the epoch is taken when the pass starts, so a pass never begun opens no FIFO
        path = self.fifo(self.epoch)
        self.epoch += 1
        self._wait_for(path)
        with open(path, "rb", buffering=READ_BUFFER) as stream:
            yield from self._reader(stream, batch_size=batch_size, name=self.opt_ml.logical(path))


def open_channels(opt_ml: OptML, input_data_config: dict, descriptor=None,
                  listings: dict | None = None) -> dict:
    """One DataChannel per channel of ``inputdataconfig.json`` (read as the algorithm's
    ``descriptor`` declares its channels, when given); ``listings`` maps an image channel to
    (the channel whose listing files list its images, the channel of its label map or None),
    File mode."""
    channels = {}
    for name, cfg in input_data_config.items():
        content_type = cfg.get("ContentType")
        wrapper = cfg.get("RecordWrapperType")
        if str(cfg.get("TrainingInputMode", "File")).lower() == "pipe":
            channels[name] = PipeChannel(name, content_type, opt_ml.data_dir, opt_ml, descriptor,
                                         wrapper)
        else:
            channels[name] = FileChannel(name, content_type, opt_ml.channel_dir(name), opt_ml,
                                         descriptor, wrapper)
    for name, (listing, label_maps) in (listings or {}).items():
        if isinstance(channels.get(name), FileChannel) and isinstance(channels.get(listing),
                                                                      FileChannel):
            maps = channels.get(label_maps) if label_maps else None
            channels[name] = ListedImageChannel(name, opt_ml.channel_dir(name),
                                                channels[listing], opt_ml,
                                                maps if isinstance(maps, FileChannel) else None)
    return channels
