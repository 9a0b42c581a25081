"""An MXNet module checkpoint in a zip: Linear Learner's ``model_algo-1``.

The real built-in's ``model_algo-1`` (checked against a real regressor's ``model.tar.gz``, written
by MXNet 1.3.1 on SageMaker in 2020) is a zip whose members are *stored* (not deflated), in this
order:

* ``mx-mod-0000.params``: the ``arg:``/``aux:`` arrays, as ``mx.nd.save`` writes a dict
  (``Module.save_checkpoint('mx-mod', 0)``);
* ``mx-mod-symbol.json``: the symbol, as ``Symbol.tojson`` writes it;
* ``manifest.json``: exactly ``{"additional-params.json": "json", "mx-mod": "mxnet_module",
  "version": 1}``;
* ``additional-params.json``: the algorithm's own JSON object (linear learner: threshold,
  loss_type, metrics_params, predictor_type).

Unzipped, ``mx.mod.Module.load('mx-mod', 0)`` reads it. :func:`write_module_zip` writes that
layout; :func:`read_module_zip` reads it and also the older layout smemu wrote before (deflated,
its own ``manifest.json`` with a ``files`` list, and arrays as JSON lists in
``additional-params.json``).
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
#: the real built-in's manifest.json, key order included
MANIFEST = {ADDITIONAL_FILE: "json", PREFIX: "mxnet_module", "version": 1}
# fixed timestamps keep the zip identical for identical models
_STAMP = (1980, 1, 1, 0, 0, 0)


def _is_module_param(name: str) -> bool:
    return name.startswith("arg:") or name.startswith("aux:")


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_STAMP)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def write_module_zip(path, symbol: Mapping, arrays: Mapping[str, np.ndarray],
                     additional: Mapping) -> None:
    """Write the zip to ``path`` (a path or a writable binary file): the ``arg:``/``aux:`` entries
    of ``arrays`` as the params file, ``additional`` as ``additional-params.json``."""
    others = sorted(k for k in arrays if not _is_module_param(k))
    if others:
        raise ValueError(f"a module's params are arg:/aux: arrays; not {', '.join(others)}")
    buffer = io.BytesIO()
    save_ndarrays(buffer, {k: np.asarray(v) for k, v in arrays.items()})
    target = open(path, "wb") if isinstance(path, (str, os.PathLike)) else path
    try:
        with zipfile.ZipFile(target, "w") as zf:
            _add(zf, PARAMS_FILE, buffer.getvalue())
            _add(zf, SYMBOL_FILE, json.dumps(symbol, indent=2).encode())
            _add(zf, MANIFEST_FILE, json.dumps(MANIFEST).encode())
            _add(zf, ADDITIONAL_FILE, json.dumps(dict(additional)).encode())
    finally:
        if target is not path:
            target.close()


def read_module_zip(path):
    """``(symbol, arrays, params)`` from the zip. ``arrays`` holds the params file's
    ``arg:``/``aux:`` arrays. ``params`` is ``additional-params.json`` in the real layout; in
    smemu's older layout it is that layout's ``manifest.json`` (its ``additional-params.json``
    arrays join ``arrays`` as float32)."""
    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else getattr(path, "name", "model")
    try:
        with zipfile.ZipFile(path) as zf:
            members = set(zf.namelist())
            missing = [f for f in (SYMBOL_FILE, PARAMS_FILE) if f not in members]
            if missing:
                raise FormatError(
                    f"not a Linear Learner model: the zip lacks {', '.join(missing)}",
                    "Pass the model_algo-1 file from the job's model.tar.gz", source=name)
            symbol = _json(zf, SYMBOL_FILE, name)
            arrays = dict(load_ndarrays(io.BytesIO(zf.read(PARAMS_FILE))))
            manifest = _json(zf, MANIFEST_FILE, name) if MANIFEST_FILE in members else {}
            extra = _json(zf, ADDITIONAL_FILE, name) if ADDITIONAL_FILE in members else {}
    except zipfile.BadZipFile:
        raise FormatError("not a zip file",
                          f"Linear Learner's model_algo-1 is a zip holding {SYMBOL_FILE} and "
                          f"{PARAMS_FILE}; pass that file", source=name) from None
    extra = extra if isinstance(extra, dict) else {}
    manifest = manifest if isinstance(manifest, dict) else {}
    if "files" not in manifest:  # the real layout
        return symbol, arrays, extra
    for key, value in extra.items():  # smemu's older layout
        if isinstance(value, (list, int, float)):
            arrays[key] = np.asarray(value, dtype=np.float32)
    return symbol, arrays, {k: v for k, v in manifest.items() if k != "files"}


def _json(zf: zipfile.ZipFile, member: str, name: str):
    try:
        return json.loads(zf.read(member))
    except ValueError as exc:
        raise FormatError(f"{member} in the zip is not JSON ({exc})",
                          "Pass the model_algo-1 file from the job's model.tar.gz",
                          source=name) from None
