"""Data formats of SageMaker's built-in algorithms: RecordIO framing, RecordIO-protobuf records
(``aialgs.data``), text/csv, and MXNet NDArray files. See README, "Data formats: smemu.formats"."""

from .batch import Batch
from .content_types import reader_for
from .csv import read_csv
from .errors import FormatError
from .libsvm import read_libsvm
from .parquet import read_parquet
from .ndarray import load_ndarrays, save_ndarrays
from .recordio import read_recordio, write_recordio
from .recordio_protobuf import read_recordio_protobuf, write_recordio_protobuf

__all__ = [
    "Batch", "FormatError", "read_recordio", "write_recordio", "read_recordio_protobuf",
    "write_recordio_protobuf", "read_csv", "read_libsvm",
    "read_parquet", "reader_for", "save_ndarrays", "load_ndarrays",
]
