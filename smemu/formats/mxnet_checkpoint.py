"""An MXNet module checkpoint in a zip: Linear Learner's and Factorization Machines' ``model_algo-1``.

Two styles of zip exist (``STYLES``).

``"mx-mod"`` (Linear Learner). The real built-in's ``model_algo-1`` (checked against a real
regressor's ``model.tar.gz``, written by MXNet 1.3.1 on SageMaker in 2020) is a zip whose members
are *stored* (not deflated), in this order:

* ``mx-mod-0000.params``: the ``arg:``/``aux:`` arrays, as ``mx.nd.save`` writes a dict
  (``Module.save_checkpoint('mx-mod', 0)``);
* ``mx-mod-symbol.json``: the symbol, as ``Symbol.tojson`` writes it;
* ``manifest.json``: exactly ``{"additional-params.json": "json", "mx-mod": "mxnet_module",
  "version": 1}``;
* ``additional-params.json``: the algorithm's own JSON object (linear learner: threshold,
  loss_type, metrics_params, predictor_type) — what :func:`write_module_zip` takes as
  ``manifest``.

Unzipped, ``mx.mod.Module.load('mx-mod', 0)`` reads it. :func:`read_module_zip` also reads the
older layout smemu wrote before (deflated, its own ``manifest.json`` with a ``files`` list, and
arrays as JSON lists in ``additional-params.json``).

``"plain"`` (Factorization Machines): the real zip holds ``symbol.json``, ``params`` and
``meta.json`` (users rename the first two to ``model-symbol.json`` / ``model-0000.params`` and call
``mx.mod.Module.load('model', 0)``, as the public FM-to-k-NN notebooks do); smemu writes those
three (deflated), ``meta.json`` being ``manifest`` with the ``files`` list.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .errors import FormatError
from .ndarray import load_ndarrays, save_ndarrays

PREFIX = "mx-mod"
SYMBOL_FILE = f"{PREFIX}-symbol.json"
PARAMS_FILE = f"{PREFIX}-0000.params"
ADDITIONAL_FILE = "additional-params.json"
MANIFEST_FILE = "manifest.json"
#: the real linear learner's manifest.json, key order included
MANIFEST = {ADDITIONAL_FILE: "json", PREFIX: "mxnet_module", "version": 1}


@dataclass(frozen=True)
class ZipNames:
    """The member names of one style of checkpoint zip (``additional`` None: no such file)."""

    symbol: str
    params: str
    manifest: str
    additional: str | None


STYLES = {
    "mx-mod": ZipNames(SYMBOL_FILE, PARAMS_FILE, MANIFEST_FILE, ADDITIONAL_FILE),
    "plain": ZipNames("symbol.json", "params", "meta.json", None),
}
# fixed timestamps keep the zip identical for identical models
_STAMP = (1980, 1, 1, 0, 0, 0)


def _is_module_param(name: str) -> bool:
    return name.startswith("arg:") or name.startswith("aux:")


def _add(zf: zipfile.ZipFile, name: str, data: bytes, compression: int) -> None:
    info = zipfile.ZipInfo(name, date_time=_STAMP)
    info.compress_type = compression
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def write_module_zip(path, symbol: Mapping, arrays: Mapping[str, np.ndarray],
                     manifest: Mapping, style: str = "mx-mod") -> None:
    """Write the zip to ``path`` (a path or a writable binary file) in ``style`` (see STYLES):
    the ``arg:``/``aux:`` entries of ``arrays`` as the params file; ``manifest`` as
    ``additional-params.json`` ("mx-mod") or ``meta.json`` ("plain")."""
    names = STYLES[style]
    others = sorted(k for k in arrays if not _is_module_param(k))
    if others:
        raise ValueError(f"a module's params are arg:/aux: arrays; not {', '.join(others)}")
    buffer = io.BytesIO()
    save_ndarrays(buffer, {k: np.asarray(v) for k, v in arrays.items()})
    if style == "mx-mod":
        members = [(PARAMS_FILE, buffer.getvalue()),
                   (SYMBOL_FILE, json.dumps(symbol, indent=2).encode()),
                   (MANIFEST_FILE, json.dumps(MANIFEST).encode()),
                   (ADDITIONAL_FILE, json.dumps(dict(manifest)).encode())]
        compression = zipfile.ZIP_STORED
    else:
        meta = dict(manifest, files=[names.symbol, names.params, names.manifest])
        members = [(names.symbol, json.dumps(symbol, indent=2).encode()),
                   (names.params, buffer.getvalue()),
                   (names.manifest, json.dumps(meta, indent=2).encode())]
        compression = zipfile.ZIP_DEFLATED
    target = open(path, "wb") if isinstance(path, (str, os.PathLike)) else path
    try:
        with zipfile.ZipFile(target, "w") as zf:
            for member, data in members:
                _add(zf, member, data, compression)
    finally:
        if target is not path:
            target.close()


def zip_style(members) -> str | None:
    """The style (a key of STYLES) whose symbol and params files are among ``members``."""
    return next((style for style, names in STYLES.items()
                 if names.symbol in members and names.params in members), None)


def read_module_zip(path):
    """``(symbol, arrays, manifest)`` from the zip, in either style. ``arrays`` holds the params
    file's ``arg:``/``aux:`` arrays. ``manifest`` is ``additional-params.json`` in the real
    linear learner layout, ``meta.json`` in the plain style, and in smemu's older linear learner
    layout that layout's ``manifest.json`` (its ``additional-params.json`` arrays join
    ``arrays`` as float32)."""
    name = os.fspath(path) if isinstance(path, (str, os.PathLike)) else getattr(path, "name", "model")
    try:
        with zipfile.ZipFile(path) as zf:
            members = set(zf.namelist())
            style = zip_style(members)
            if style is None:
                missing = [f for f in (SYMBOL_FILE, PARAMS_FILE) if f not in members]
                raise FormatError(
                    f"not an MXNet module checkpoint: the zip lacks {', '.join(missing)} "
                    f"(or symbol.json and params)",
                    "Pass the model_algo-1 file from the job's model.tar.gz", source=name)
            names = STYLES[style]
            symbol = _json(zf, names.symbol, name)
            arrays = dict(load_ndarrays(io.BytesIO(zf.read(names.params))))
            manifest = _json(zf, names.manifest, name) if names.manifest in members else {}
            extra = (_json(zf, names.additional, name)
                     if names.additional and names.additional in members else {})
    except zipfile.BadZipFile:
        raise FormatError("not a zip file",
                          f"Linear Learner's model_algo-1 is a zip holding {SYMBOL_FILE} and "
                          f"{PARAMS_FILE}; pass that file", source=name) from None
    manifest = manifest if isinstance(manifest, dict) else {}
    extra = extra if isinstance(extra, dict) else {}
    if style == "mx-mod" and "files" not in manifest:  # the real linear learner layout
        return symbol, arrays, extra
    for key, value in extra.items():  # smemu's older linear learner layout
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
