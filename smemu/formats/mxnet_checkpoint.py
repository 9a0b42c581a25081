"""An MXNet module checkpoint in a zip: Linear Learner's and Factorization Machines' ``model_algo-1``.

Two styles of zip exist (``STYLES``). ``"mx-mod"`` (Linear Learner): the real built-in's ``model_algo-1`` is a zip holding ``mx-mod-symbol.json`` and
``mx-mod-0000.params`` (what ``Module.save_checkpoint('mx-mod', 0)`` writes) plus
``manifest.json`` and ``additional-params.json``; unzipped, ``mx.mod.Module.load('mx-mod', 0)``
reads it. smemu writes:

* ``mx-mod-symbol.json``: the symbol, as ``Symbol.tojson`` writes it;
* ``mx-mod-0000.params``: the ``arg:``/``aux:`` arrays, as ``mx.nd.save`` writes a dict;
* ``additional-params.json``: every other array, as JSON lists (shape kept) keyed by name;
* ``manifest.json``: ``manifest``, with a ``files`` list added.

``"plain"`` (Factorization Machines): the real zip holds ``symbol.json``, ``params`` and
``meta.json`` (users rename the first two to ``model-symbol.json`` / ``model-0000.params`` and call
``mx.mod.Module.load('model', 0)``, as the public FM-to-k-NN notebooks do); smemu writes those
three, ``meta.json`` being ``manifest`` with the ``files`` list.
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

from dataclasses import dataclass

PREFIX = "mx-mod"
SYMBOL_FILE = f"{PREFIX}-symbol.json"
PARAMS_FILE = f"{PREFIX}-0000.params"
ADDITIONAL_FILE = "additional-params.json"
MANIFEST_FILE = "manifest.json"


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


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def write_module_zip(path, symbol: Mapping, arrays: Mapping[str, np.ndarray],
                     manifest: Mapping, style: str = "mx-mod") -> None:
    """Write the zip to ``path`` (a path or a writable binary file) in ``style`` (see STYLES)."""
    names = STYLES[style]
    params = {k: np.asarray(v) for k, v in arrays.items() if _is_module_param(k)}
    additional = {k: np.asarray(v).tolist() for k, v in arrays.items() if not _is_module_param(k)}
    if additional and names.additional is None:
        raise ValueError(f"a {style!r} checkpoint zip holds arg:/aux: params only, "
                         f"not {sorted(additional)}")
    buffer = io.BytesIO()
    save_ndarrays(buffer, params)
    files = [n for n in (names.symbol, names.params, names.additional, names.manifest) if n]
    full_manifest = dict(manifest)
    full_manifest["files"] = files
    target = open(path, "wb") if isinstance(path, (str, os.PathLike)) else path
    try:
        with zipfile.ZipFile(target, "w") as zf:
            _add(zf, names.symbol, json.dumps(symbol, indent=2).encode())
            _add(zf, names.params, buffer.getvalue())
            if names.additional:
                _add(zf, names.additional, json.dumps(additional).encode())
            _add(zf, names.manifest, json.dumps(full_manifest, indent=2).encode())
    finally:
        if target is not path:
            target.close()


def zip_style(members) -> str | None:
    """The style (a key of STYLES) whose symbol and params files are among ``members``."""
    return next((style for style, names in STYLES.items()
                 if names.symbol in members and names.params in members), None)


def read_module_zip(path):
    """``(symbol, arrays, manifest)`` from a zip ``write_module_zip`` (or the real built-in)
    wrote, in either style. ``arrays`` holds the params file's ``arg:``/``aux:`` arrays and the
    additional ones (as float32 arrays)."""
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
            symbol = json.loads(zf.read(names.symbol))
            arrays = dict(load_ndarrays(io.BytesIO(zf.read(names.params))))
            manifest = json.loads(zf.read(names.manifest)) if names.manifest in members else {}
            if names.additional and names.additional in members:
                extra = json.loads(zf.read(names.additional))
                if isinstance(extra, dict):
                    for key, value in extra.items():
                        if isinstance(value, (list, int, float)):
                            arrays[key] = np.asarray(value, dtype=np.float32)
    except zipfile.BadZipFile:
        raise FormatError("not a zip file",
                          f"Linear Learner's model_algo-1 is a zip holding {SYMBOL_FILE} and "
                          f"{PARAMS_FILE}; pass that file", source=name) from None
    return symbol, arrays, manifest
