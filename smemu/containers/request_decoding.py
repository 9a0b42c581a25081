"""Request bodies of /invocations turned into a feature matrix, the way the built-ins accept them.

* ``text/csv``: one record a line, no label (``label_size=0`` unless the type says otherwise).
* ``application/json``: ``{"instances": [...]}`` where an instance is ``{"features": [...]}`` or
  ``{"data": {"features": {"values": [...]}}}``, sparse with ``"keys"`` and ``"shape"``.
* ``application/jsonlines``: one such instance a line.
* ``application/x-recordio-protobuf``: ``aialgs.data`` Records, dense or sparse.
* ``text/libsvm``: LIBSVM lines (XGBoost); a leading label is read and ignored.

Every error is an :class:`InvocationError` (400, or 415 for a type the built-ins do not read)
whose message names the record.
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp

from smemu.containers.media_types import (
    CSV, JSON, JSONLINES, LIBSVM, RECORDIO_PROTOBUF, InvocationError, MediaType)
from smemu.formats import FormatError, read_csv, read_libsvm, read_recordio_protobuf
from smemu.formats.text import read_text_fields

#: what the MXNet-based built-ins read (a Predictor's ``request_types`` may name others)
REQUEST_TYPES = (CSV, JSON, JSONLINES, RECORDIO_PROTOBUF)
# what error messages call the body (formats' messages say "line 3 of file <name>")
BODY_NAME = "<request body>"
# one batch for the whole body: requests are at most a few MB
_ALL = 1 << 62
# the widest sparse record a request may declare: wider shapes overflow the sparse matrix's index
# arithmetic (a 500 before), and no model has that many columns
MAX_FEATURE_DIM = 2**31 - 1


@dataclass
class RequestBatch:
    """The records of one request: ``features`` (dense or CSR) and where each came from."""

    features: object
    _location: Callable[[int], str]

    def location(self, row: int) -> str:
        return self._location(row)

    def __len__(self) -> int:
        return int(self.features.shape[0])


def bad_request(message: str) -> InvocationError:
    return InvocationError(400, message)


def decode_request(body: bytes, content_type: str | None,
                   accepted: tuple[str, ...] | None = None, text_fields: int = 0) -> RequestBatch:
    """The records in ``body``; an InvocationError naming the record when it cannot be read.
    ``accepted`` are the content types the model's container reads (default REQUEST_TYPES, or
    for text records the text decoders' types). With ``text_fields`` > 0 the records are that
    many strings each (see ``Predictor.request_fields``)."""
    decoders = _TEXT_DECODERS if text_fields else _DECODERS
    accepted = accepted or (tuple(_TEXT_DECODERS) if text_fields else REQUEST_TYPES)
    if not content_type or not content_type.strip():
        raise InvocationError(
            415, f"The request has no Content-Type. Send one of: {', '.join(accepted)}.")
    media = MediaType.parse(content_type)
    decoder = decoders.get(media.essence) if media.essence in accepted else None
    if decoder is None:
        raise InvocationError(
            415, f"The content type {content_type.strip()!r} is not supported. "
                 f"Send one of: {', '.join(accepted)}.")
    if not body.strip():
        raise bad_request("The request body is empty: send at least one record.")
    try:
        batch = decoder(body, text_fields) if text_fields else decoder(body, media)
    except RecursionError:
        raise bad_request(f"The request body nests {media.essence} too deeply to read; an "
                          f"instance is {_INSTANCE_FORMS}.") from None
    if not text_fields:
        _check_finite(batch)
    return batch


def _check_finite(batch: RequestBatch) -> None:
    """NaN and infinity (also numbers past float32's range, ~3.4e38) are refused as training
    refuses them: an answer computed from them would hold NaN, which JSON cannot carry."""
    values = batch.features.data if sp.issparse(batch.features) else batch.features
    finite = np.isfinite(values)
    if finite.all():
        return
    if sp.issparse(batch.features):
        flat = int(np.argmin(finite))
        row = int(np.searchsorted(batch.features.indptr, flat, side="right") - 1)
    else:
        row = int(np.argmin(finite.all(axis=1)))
    raise bad_request(f"{batch.location(row)} holds a value that is not a finite number (NaN, "
                      f"infinity, or a number beyond float32's range of about 3.4e38). Send "
                      f"finite numbers only.")


# text/csv, application/x-recordio-protobuf: the formats layer reads them ----------------------

def _from_format_batches(batches) -> RequestBatch:
    try:
        batches = list(batches)
    except FormatError as exc:
        raise bad_request(str(exc)) from None
    if not batches:
        raise bad_request("The request body holds no records: send at least one.")
    if len(batches) == 1:
        only = batches[0]
        return RequestBatch(only.features, only.location)
    # (only when a reader splits the body anyway) stack them and map rows back to their batch
    starts = np.cumsum([0] + [b.features.shape[0] for b in batches])
    stack = sp.vstack if any(sp.issparse(b.features) for b in batches) else np.vstack
    features = stack([b.features for b in batches])
    if sp.issparse(features):
        features = features.tocsr()

    def location(row: int) -> str:
        i = int(np.searchsorted(starts, row, side="right") - 1)
        return batches[i].location(row - int(starts[i]))

    return RequestBatch(features, location)


def _decode_csv(body: bytes, media: MediaType) -> RequestBatch:
    try:
        label_size = int(media.params.get("label_size", "0"))
        if label_size not in (0, 1):
            raise ValueError
    except ValueError:
        raise bad_request(
            f"The content type's label_size must be 0 (no label column, the default) or 1; "
            f"it is {media.params['label_size']!r}.") from None
    return _from_format_batches(
        read_csv(io.BytesIO(body), label_size=label_size, batch_size=_ALL, name=BODY_NAME))


def _decode_libsvm(body: bytes, media: MediaType) -> RequestBatch:
    # XGBoost's container reads request lines with or without a leading label
    lines = [line if b":" not in line.split(maxsplit=1)[0] else b"0 " + line
             for line in body.splitlines() if line.strip()]
    return _from_format_batches(
        read_libsvm(io.BytesIO(b"\n".join(lines)), batch_size=_ALL, name=BODY_NAME))


def _decode_recordio_protobuf(body: bytes, media: MediaType) -> RequestBatch:
    return _from_format_batches(
        read_recordio_protobuf(io.BytesIO(body), batch_size=_ALL, name=BODY_NAME))


# application/json, application/jsonlines ------------------------------------------------------

_INSTANCE_FORMS = ('{"features": [1.5, 16.0]}, {"data": {"features": {"values": [1.5, 16.0]}}} '
                   'or, sparse, {"data": {"features": {"keys": [3, 9], "shape": [20], '
                   '"values": [1.0, 1.0]}}}')


_NUMBER_TYPES = {int, float}   # what json.loads gives for numbers (bool is not one of them)


def _numbers(values, where, what: str) -> list:
    if not isinstance(values, list) or not set(map(type, values)) <= _NUMBER_TYPES:
        raise bad_request(f"{where()}: {what} must be a list of numbers.")
    return values


def _instance(obj, where: Callable[[], str]):
    """One instance as a list of values (dense) or (keys, values, width) (sparse); ``where()``
    names it in errors (built only when one is raised)."""
    if type(obj) is dict and "features" in obj:
        return _numbers(obj["features"], where, '"features"')
    data = obj.get("data") if isinstance(obj, dict) else None
    tensor = data.get("features") if isinstance(data, dict) else None
    if not isinstance(tensor, dict) or "values" not in tensor:
        raise bad_request(f"{where()} is not an instance the algorithm reads. Write it as "
                          f"{_INSTANCE_FORMS}.")
    values = _numbers(tensor["values"], where, '"values"')
    if "keys" not in tensor:
        return values
    keys = tensor["keys"]
    if not isinstance(keys, list) or not all(
            isinstance(k, int) and not isinstance(k, bool) and k >= 0 for k in keys):
        raise bad_request(f"{where()}: \"keys\" must be a list of non-negative integers.")
    if len(keys) != len(values):
        raise bad_request(f"{where()} has {len(keys)} keys but {len(values)} values; "
                          f"give one value per key.")
    shape = tensor.get("shape")
    if (not isinstance(shape, list) or len(shape) != 1 or not isinstance(shape[0], int)
            or isinstance(shape[0], bool) or not 1 <= shape[0] <= MAX_FEATURE_DIM):
        raise bad_request(f"{where()} is sparse (it has \"keys\"), so it needs \"shape\": "
                          f"[feature_dim], with feature_dim from 1 to {MAX_FEATURE_DIM}.")
    if keys and max(keys) >= shape[0]:
        raise bad_request(f"{where()} has key {max(keys)}, outside its shape [{shape[0]}]; keys "
                          f"are 0-based column indices.")
    return keys, values, shape[0]


def _assemble(instances: list, where: Callable[[int], str]) -> RequestBatch:
    if not instances:
        raise bad_request("The request holds no instances: send at least one.")
    widths = [len(x) if isinstance(x, list) else x[2] for x in instances]
    for i, w in enumerate(widths):
        if w != widths[0]:
            raise bad_request(f"{where(i)} has {w} features but {where(0)} has {widths[0]}. "
                              f"Every record of a request needs the same number of features.")
    if all(isinstance(x, list) for x in instances):
        features = np.asarray(instances, dtype=np.float32).reshape(len(instances), widths[0])
    else:
        indptr, indices, data = [0], [], []
        for x in instances:
            if isinstance(x, list):
                x = (range(len(x)), x, len(x))
            indices.extend(x[0])
            data.extend(x[1])
            indptr.append(len(indices))
        features = sp.csr_matrix(
            (np.asarray(data, np.float32), np.asarray(indices, np.int64), np.asarray(indptr)),
            shape=(len(instances), widths[0]))
        features.sum_duplicates()
    return RequestBatch(features, where)


def _json_instances(body: bytes, forms: str):
    """``(instances, where)`` of a JSON request ``{"instances": [...]}``; ``where(i)`` names the
    i-th instance in errors."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"The request body is not valid JSON ({exc}).") from None
    instances = document.get("instances") if isinstance(document, dict) else None
    if not isinstance(instances, list):
        raise bad_request('A JSON request is an object {"instances": [...]} where each instance '
                          f"is {forms}.")
    return instances, (lambda i: f"instances[{i}] of the request body")


def _jsonlines_instances(body: bytes):
    """``(objects, where)`` of a JSON Lines request, one object a non-blank line; ``where(i)``
    names the line of the i-th object."""
    objects, numbers = [], []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            objects.append(json.loads(line))
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_request(f"line {number} of the request body is not valid JSON ({exc}).") \
                from None
        numbers.append(number)
    return objects, (lambda i: f"line {numbers[i]} of the request body")


def _decode_json(body: bytes, media: MediaType) -> RequestBatch:
    instances, where = _json_instances(body, _INSTANCE_FORMS)
    return _assemble([_instance(obj, functools.partial(where, i))
                      for i, obj in enumerate(instances)], where)


def _decode_jsonlines(body: bytes, media: MediaType) -> RequestBatch:
    objects, where = _jsonlines_instances(body)
    return _assemble([_instance(obj, functools.partial(where, i))
                      for i, obj in enumerate(objects)], where)


_DECODERS = {

    CSV: _decode_csv,
    JSON: _decode_json,
    JSONLINES: _decode_jsonlines,
    RECORDIO_PROTOBUF: _decode_recordio_protobuf,
    LIBSVM: _decode_libsvm,
}


# text records (Predictor.request_fields): strings, not numbers ---------------------------------

def _text_batch(rows: list, where: Callable[[int], str]) -> RequestBatch:
    if not rows:
        raise bad_request("The request holds no records: send at least one.")
    features = np.empty((len(rows), len(rows[0])), dtype=object)
    features[:] = rows
    return RequestBatch(features, where)


def _text_instance(obj, fields: int, where: Callable[[], str]) -> list:
    values = obj.get("features") if isinstance(obj, dict) else None
    if values is None and isinstance(obj, dict):
        data = obj.get("data")
        tensor = data.get("features") if isinstance(data, dict) else None
        values = tensor.get("values") if isinstance(tensor, dict) else None
    if (not isinstance(values, list) or len(values) != fields
            or not all(isinstance(v, str) for v in values)):
        raise bad_request(f"{where()} must be {{\"features\": [...]}} or {{\"data\": "
                          f"{{\"features\": {{\"values\": [...]}}}}}} with {fields} strings, "
                          f"e.g. [\"entity_id_1\", \"192.168.1.2\"].")
    return [v.strip() for v in values]


def _decode_text_csv(body: bytes, fields: int) -> RequestBatch:
    try:
        batches = list(read_text_fields(io.BytesIO(body), fields, batch_size=_ALL,
                                        name=BODY_NAME))
    except FormatError as exc:
        raise bad_request(str(exc)) from None
    if not batches:
        raise bad_request("The request body holds no records: send at least one.")
    return RequestBatch(batches[0].features, batches[0].location)


_TEXT_FORMS = ('{"features": ["entity_id_1", "192.168.1.2"]} or '
               '{"data": {"features": {"values": ["entity_id_1", "192.168.1.2"]}}}')


def _decode_text_json(body: bytes, fields: int) -> RequestBatch:
    instances, where = _json_instances(body, _TEXT_FORMS)
    return _text_batch([_text_instance(obj, fields, functools.partial(where, i))
                        for i, obj in enumerate(instances)], where)


def _decode_text_jsonlines(body: bytes, fields: int) -> RequestBatch:
    objects, where = _jsonlines_instances(body)
    return _text_batch([_text_instance(obj, fields, functools.partial(where, i))
                        for i, obj in enumerate(objects)], where)


_TEXT_DECODERS = {
    CSV: _decode_text_csv,
    JSON: _decode_text_json,
    JSONLINES: _decode_text_jsonlines,
}
