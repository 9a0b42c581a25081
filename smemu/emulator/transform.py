"""Batch transform: every object under an input prefix sent through a model's serving container,
the answers written to ``<output>/<object's key below the prefix>.out``, as SageMaker's
BatchTransform does.

* ``split_type`` ``Line`` (one record a line: CSV, JSON Lines), ``RecordIO`` (one RecordIO record
  each) or ``None`` (the whole object is one request);
* ``strategy`` ``MultiRecord`` packs as many records into a request as fit in
  ``max_payload_mb`` (6 by default), ``SingleRecord`` sends them one by one;
* ``assemble_with`` ``Line`` puts each answer on its own line (a newline after each), ``None``
  concatenates them;
* the container runs with ``SAGEMAKER_BATCH=true``, ``SAGEMAKER_MAX_PAYLOAD_IN_MB``,
  ``SAGEMAKER_BATCH_STRATEGY`` and ``SAGEMAKER_MAX_CONCURRENT_TRANSFORMS``, as on SageMaker.

A request the container refuses fails the transform with :class:`TransformError`, naming the
object and the records the request held; the object gets no ``.out`` file.
"""

from __future__ import annotations

import http.client
import io
import os
import tempfile
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterator

from smemu.emulator.data_processing import DataProcessing, DataProcessingError, output_records
from smemu.emulator.serving import LocalEndpoint
from smemu.emulator.staging import (StagingError, Storages, StoredObject, list_channel,
                                    open_object, storage_for)
from smemu.formats import FormatError, read_recordio
from smemu.formats.recordio import frame

SPLIT_TYPES = ("Line", "RecordIO", "None")
STRATEGIES = ("MultiRecord", "SingleRecord")
ASSEMBLE = ("Line", "None")
MEGABYTE = 1024 * 1024


class TransformError(Exception):
    """The transform failed; the message names the object, the records and what to do."""


class TransformStopped(Exception):
    """``stop_event`` was set: the transform ended before every object was done."""


@dataclass
class TransformConfig:
    content_type: str = "text/csv"
    accept: str | None = None
    split_type: str = "Line"
    strategy: str = "MultiRecord"
    assemble_with: str = "Line"
    max_payload_mb: int = 6
    max_concurrent: int = 1
    data_processing: DataProcessing | None = None

    def check(self) -> None:
        if self.data_processing is not None and self.data_processing.active \
                and self.split_type != "Line":
            raise TransformError("DataProcessing (InputFilter, OutputFilter, JoinSource) needs "
                                 "TransformInput.SplitType 'Line', so that every output record "
                                 "belongs to one input record.")
        for value, allowed, name in ((self.split_type, SPLIT_TYPES, "SplitType"),
                                     (self.strategy, STRATEGIES, "BatchStrategy"),
                                     (self.assemble_with, ASSEMBLE, "AssembleWith")):
            if value not in allowed:
                raise TransformError(f"{name} is {value!r}; it must be one of "
                                     f"{', '.join(allowed)}.")
        if not 1 <= self.max_payload_mb <= 100:
            raise TransformError("MaxPayloadInMB must be between 1 and 100.")
        if self.max_concurrent < 1:
            raise TransformError("MaxConcurrentTransforms must be at least 1.")

    def environment(self) -> dict[str, str]:
        return {"SAGEMAKER_BATCH": "true", "SAGEMAKER_MAX_PAYLOAD_IN_MB": str(self.max_payload_mb),
                "SAGEMAKER_BATCH_STRATEGY": "MULTI_RECORD" if self.strategy == "MultiRecord"
                else "SINGLE_RECORD",
                "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS": str(self.max_concurrent)}


@dataclass
class MiniBatch:
    body: bytes
    first: int     # 0-based index of its first record in the object
    count: int

    def describe(self, split_type: str) -> str:
        unit = "line" if split_type == "Line" else "record"
        last = self.first + self.count
        return (f"{unit} {self.first + 1}" if self.count == 1
                else f"{unit}s {self.first + 1}-{last}")


def records(stream, split_type: str, name: str) -> Iterator[bytes]:
    """The records of an object, each as the bytes a request carries."""
    if split_type == "None":
        yield stream.read()
    elif split_type == "Line":
        for line in io.BufferedReader(stream) if isinstance(stream, io.RawIOBase) else stream:
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield line + b"\n"
    else:
        try:
            for payload, _offset in read_recordio(stream, name=name):
                yield frame(payload)
        except FormatError as error:
            raise TransformError(str(error)) from None


def mini_batches(items: Iterator[bytes], config: TransformConfig, name: str) -> Iterator[MiniBatch]:
    limit = config.max_payload_mb * MEGABYTE
    parts: list[bytes] = []
    size = first = 0
    for index, item in enumerate(items):
        if len(item) > limit:
            raise TransformError(
                f"Record {index + 1} of {name} is {len(item)} bytes, over MaxPayloadInMB "
                f"({config.max_payload_mb} MB). Split it, or raise MaxPayloadInMB.")
        if parts and (config.strategy == "SingleRecord" or size + len(item) > limit):
            yield MiniBatch(b"".join(parts), first, len(parts))
            parts, size, first = [], 0, index
        parts.append(item)
        size += len(item)
    if parts:
        yield MiniBatch(b"".join(parts), first, len(parts))


def output_uri(output: str, relative: str) -> str:
    return output.rstrip("/") + "/" + relative + ".out"


class CustomerErrors:
    """The ``Customer Error: ...`` lines of a serving container's log: the built-ins answer a bad
    payload with a bare ``unable to evaluate payload provided`` and log what is wrong, so a
    failed transform names it from there."""

    WAIT = 2.0   # seconds the log may lag behind the container's answer

    def __init__(self, on_log_line=None):
        self.on_log_line = on_log_line or (lambda line: None)
        self.last = None
        self.seen = threading.Event()

    def __call__(self, line: str) -> None:
        if "Customer Error: " in line:
            self.last = line.split("Customer Error: ", 1)[1].strip()
            self.seen.set()
        self.on_log_line(line)

    def latest(self) -> str:
        self.seen.wait(self.WAIT)
        return self.last or ""


class Transformer:
    """Sends objects through a running endpoint (anything answering POST /invocations)."""

    def __init__(self, url: str, config: TransformConfig, stop_event=None,
                 customer_errors: CustomerErrors | None = None):
        self.address = urllib.parse.urlsplit(url)
        self.config = config
        self.stop_event = stop_event
        self.customer_errors = customer_errors

    def _invoke(self, batch: MiniBatch, name: str) -> bytes:
        if self.stop_event is not None and self.stop_event.is_set():
            raise TransformStopped()
        headers = {"Content-Type": self.config.content_type}
        if self.config.accept:
            headers["Accept"] = self.config.accept
        connection = http.client.HTTPConnection(self.address.hostname, self.address.port,
                                                timeout=600)
        try:
            connection.request("POST", "/invocations", body=batch.body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
        except OSError as error:
            raise TransformError(f"The model container did not answer for "
                                 f"{batch.describe(self.config.split_type)} of {name}: "
                                 f"{error}.") from None
        finally:
            connection.close()
        if response.status != 200:
            detail = self.customer_errors.latest() if self.customer_errors else ""
            raise TransformError(
                f"the model container answered {response.status} for "
                f"{batch.describe(self.config.split_type)} of {name}: "
                f"{answer.decode('utf-8', 'replace')}" + (f" ({detail})" if detail else ""))
        return answer

    def transform_object(self, obj: StoredObject, out, compression: str = "None") -> int:
        """Writes the answers for ``obj`` to ``out``; the number of requests."""
        processing = self.config.data_processing
        if processing is not None and processing.active:
            return self._transform_processed(obj, out, compression, processing)
        name = obj.relative
        with open_object(obj, compression) as stream:
            batches = mini_batches(records(stream, self.config.split_type, name), self.config,
                                   name)
            with ThreadPoolExecutor(self.config.max_concurrent) as pool:
                sent = 0
                # map keeps the answers in input order; it reads ahead only as far as the pool
                for answer in pool.map(lambda b: self._invoke(b, name), batches):
                    if self.config.assemble_with == "Line":
                        answer = answer.rstrip(b"\n") + b"\n"
                    out.write(answer)
                    sent += 1
        return sent


    def _transform_processed(self, obj: StoredObject, out, compression: str,
                             processing: DataProcessing) -> int:
        """Line records through the input filter, each answer joined with its own input record
        and through the output filter (see :mod:`smemu.emulator.data_processing`)."""
        name = obj.relative
        is_csv = self.config.content_type.split(";")[0].strip() == "text/csv"
        with open_object(obj, compression) as stream:
            sources = [line.decode("utf-8", "replace").rstrip("\n")
                       for line in records(stream, "Line", name)]
        try:
            filtered = [processing.filter_input(line, is_csv, f"line {i + 1} of {name}").encode()
                        + b"\n" for i, line in enumerate(sources)]
            sent = 0
            with ThreadPoolExecutor(self.config.max_concurrent) as pool:
                batches = list(mini_batches(iter(filtered), self.config, name))
                for batch, answer in zip(batches, pool.map(lambda b: self._invoke(b, name),
                                                           batches)):
                    where = f"{batch.describe('Line')} of {name}"
                    outputs = output_records(answer, self.config.accept, batch.count, where)
                    for i, output in enumerate(outputs):
                        line = processing.finish(sources[batch.first + i], output, is_csv,
                                                 f"line {batch.first + i + 1} of {name}")
                        out.write(line.encode() + (b"\n" if self.config.assemble_with == "Line"
                                                   else b""))
                    sent += 1
        except DataProcessingError as error:
            raise TransformError(f"DataProcessing: {error}") from None
        return sent


def run_transform(model_uri: str, algorithm: str, input_uri: str, output: str,
                  config: TransformConfig, data_type: str = "S3Prefix", compression: str = "None",
                  environment: dict | None = None, on_log_line=None, on_object=None,
                  stop_event=None, storages: Storages | None = None) -> list[str]:
    """Transforms every object under ``input_uri`` (an S3Prefix, or the objects a ManifestFile
    lists) with the model; the output URIs written. ``environment`` is the model's own;
    ``storages`` where the model, the input and the output may be (default: anywhere)."""
    config.check()
    try:
        objects = list_channel(input_uri, data_type, storages)
    except StagingError as error:
        raise TransformError(str(error)) from None
    written = []
    customer_errors = CustomerErrors(on_log_line)
    with LocalEndpoint(model_uri, algorithm, port=0,
                       environment={**(environment or {}), **config.environment()},
                       on_log_line=customer_errors, storages=storages) as endpoint:
        transformer = Transformer(endpoint.url, config, stop_event, customer_errors)
        for obj in objects:
            fd, tmp = tempfile.mkstemp(prefix="smemu-transform-", suffix=".out")
            try:
                with os.fdopen(fd, "wb") as out:
                    requests = transformer.transform_object(obj, out, compression)
                target = output_uri(output, obj.relative)
                storage_for(target, storages).put(tmp, target)
            except StagingError as error:
                raise TransformError(str(error)) from None
            finally:
                os.unlink(tmp)
            written.append(target)
            if on_object:
                on_object(obj.uri, target, requests)
    return written
