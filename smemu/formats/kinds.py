"""The kinds of data file the command line reads and writes, and which a file's name says: plain
constants, so that building the command line's parser imports no numpy (see :mod:`.files`)."""

from __future__ import annotations

import os

RECORDIO_PROTOBUF, CSV, NPY, NPZ, NDARRAY = "recordio-protobuf", "csv", "npy", "npz", "mxnet-ndarray"
RECORDIO_SUFFIXES = (".pbr", ".rec", ".recordio", ".protobuf", ".pb")
KINDS = (RECORDIO_PROTOBUF, CSV, NPY, NPZ)


def kind_by_name(path) -> str | None:
    name = os.fspath(path).lower()
    if name.endswith(RECORDIO_SUFFIXES):
        return RECORDIO_PROTOBUF
    for kind in (CSV, NPY, NPZ):
        if name.endswith("." + kind):
            return kind
    return None
