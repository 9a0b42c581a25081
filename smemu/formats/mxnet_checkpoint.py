"""An MXNet module checkpoint in a zip: Linear Learner's ``model_algo-1``.

The real built-in's ``model_algo-1`` is a zip holding ``mx-mod-symbol.json`` and
``mx-mod-0000.params`` (what ``Module.save_checkpoint('mx-mod', 0)`` writes) plus
``manifest.json`` and ``additional-params.json``; unzipped, ``mx.mod.Module.load('mx-mod', 0)``
reads it. smemu writes:

* ``mx-mod-symbol.json``: the symbol, as ``Symbol.tojson`` writes it;
* ``mx-mod-0000.params``: the ``arg:``/``aux:`` arrays, as ``mx.nd.save`` writes a dict;
* ``additional-params.json``: every other array, as JSON lists (shape kept) keyed by name;
* ``manifest.json``: ``manifest``, with a ``files`` list added.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from typing import Mapping

import numpy as np

from .errors import FormatError
from .ndarray import load_ndarrays, save_ndarrays

PREFIX = "mx-mod"
SYMBOL_FILE = f"{PREFIX}-symbol.json"
PARAMS_FILE = f"{PREFIX}-0000.params"
ADDITIONAL_FILE = "additional-params.json"
MANIFEST_FILE = "manifest.json"
# fixed timestamps keep the zip identical for identical models
_STAMP = (1980, 1, 1, 0, 0, 0)


def _is_module_param(name: str) -> bool:
    return name.startswith("arg:") or name.startswith("aux:")


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def write_module_zip(path, symbol: Mapping, arrays: Mapping[str, np.ndarray],
                     manifest: Mapping) -> None:
    """Write the zip to ``path`` (a path or a writable binary file)."""
    params = {k: np.asarray(v) for k, v in arrays.items() if _is_module_param(k)}
    additional = {k: np.asarray(v).tolist() for k, v in arrays.items() if not _is_module_param(k)}
    buffer = io.BytesIO()
    save_ndarrays(buffer, params)
    files = [SYMBOL_FILE, PARAMS_FILE, ADDITIONAL_FILE, MANIFEST_FILE]
    full_manifest = dict(manifest)
    full_manifest["files"] = files
    target = open(path, "wb") if isinstance(path, (str, os.PathLike)) else path
    try:
        with zipfile.ZipFile(target, "w") as zf:
            _add(zf, SYMBOL_FILE, json.dumps(symbol, indent=2).encode())
            _add(zf, PARAMS_FILE, buffer.getvalue())
            _add(zf, ADDITIONAL_FILE, json.dumps(additional).encode())
            _add(zf, MANIFEST_FILE, json.dumps(full_manifest, indent=2).encode())
    finally:
        if target is not path:
            target.close()


def read_module_zip(path):
    """``(symbol, arrays, manifest)`` from a zip ``write_module_zip`` (or the real built-in)
    wrote. ``arrays`` holds the params file's ``arg:``/``aux:`` arrays and the additional ones
    (as float32 arrays)."""
    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else getattr(path, "name", "model")
    try:
        with zipfile.ZipFile(path) as zf:
            members = set(zf.namelist())
            missing = [f for f in (SYMBOL_FILE, PARAMS_FILE) if f not in members]
            if missing:
                raise FormatError(
                    f"not a Linear Learner model: the zip lacks {', '.join(missing)}",
                    "Pass the model_algo-1 file from the job's model.tar.gz", source=name)
            symbol = json.loads(zf.read(SYMBOL_FILE))
            arrays = dict(load_ndarrays(io.BytesIO(zf.read(PARAMS_FILE))))
            manifest = json.loads(zf.read(MANIFEST_FILE)) if MANIFEST_FILE in members else {}
            if ADDITIONAL_FILE in members:
                extra = json.loads(zf.read(ADDITIONAL_FILE))
                if isinstance(extra, dict):
                    for key, value in extra.items():
                        if isinstance(value, (list, int, float)):
                            arrays[key] = np.asarray(value, dtype=np.float32)
    except zipfile.BadZipFile:
        raise FormatError("not a zip file",
                          f"Linear Learner's model_algo-1 is a zip holding {SYMBOL_FILE} and "
                          f"{PARAMS_FILE}; pass that file", source=name) from None
    return symbol, arrays, manifest
