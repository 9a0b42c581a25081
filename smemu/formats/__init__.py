"""Data formats of SageMaker's built-in algorithms: RecordIO framing, RecordIO-protobuf records
(``aialgs.data``), text/csv, and MXNet NDArray files. See README, "Data formats: smemu.formats".

The names below are imported from their modules on first use (PEP 562), so that reading CSV does
not import protobuf, and the command line's parser imports no numpy."""

import importlib

# name -> the module of this package that defines it
_EXPORTS = {
    "Batch": "batch", "reader_for": "content_types", "read_csv": "csv", "FormatError": "errors",
    "read_libsvm": "libsvm", "read_parquet": "parquet", "load_ndarrays": "ndarray",
    "save_ndarrays": "ndarray", "read_recordio": "recordio", "write_recordio": "recordio",
    "read_recordio_protobuf": "recordio_protobuf", "write_recordio_protobuf": "recordio_protobuf",
}

__all__ = [
    "Batch", "FormatError", "read_recordio", "write_recordio", "read_recordio_protobuf",
    "write_recordio_protobuf", "read_csv", "read_libsvm",
    "read_parquet", "reader_for", "save_ndarrays", "load_ndarrays",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
