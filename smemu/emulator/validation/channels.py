"""Reading one channel for ``smemu validate``: every file (File mode) or the FIFO's stream (Pipe
mode) through the container's formats reader, every batch through the algorithm's input checks."""

from __future__ import annotations

import io
import zlib
from typing import BinaryIO

import numpy as np

from smemu import contract
from smemu.algorithms.base import InputChecks
from smemu.algorithms.builtin_errors import message_of
from smemu.algorithms.errors import CustomerError, DataError
from smemu.emulator import sharding, staging
from smemu.emulator.augmented_manifest import read_manifest
from smemu.emulator.fifo_content import epoch_order
from smemu.emulator.spec import ChannelSpec
from smemu.algorithms.channel_config import channel_reader
from smemu.formats import Batch, FormatError
from smemu.formats.files import CountingReader

from .pipe_stream import ChannelStream
from .report import ChannelSummary, Collector, Problem

LOGICAL_DATA = contract.logical(*contract.INPUT_DATA)
BATCH_SIZE = 10_000
READ_BUFFER = 1 << 20


def validate_channel(channel: ChannelSpec, checks: InputChecks, summary: ChannelSummary,
                     collect: Collector, progress, instance_count: int = 1,
                     content_type: str | None = None, descriptor=None) -> None:
    """Reads the channel as the container would (as ``content_type`` when given: the algorithm's
    default for a channel without ContentType; with the reader the algorithm's ``descriptor``
    declares for it), reporting every problem to ``collect``."""
    try:
        if channel.data_type == "AugmentedManifestFile":    # every bad line, not the first
            objects = read_manifest(channel.uri, channel.attribute_names, on_error=lambda n, exc:
                                    collect.add(Problem("channel", str(exc), channel=channel.name,
                                                        object=f"{channel.uri} line {n}")))
        else:
            objects = staging.list_channel(channel.uri, channel.data_type)
    except staging.StagingError as exc:
        collect.add(Problem("channel", str(exc), channel=channel.name, object=channel.uri))
        return
    if not channel.is_pipe:
        # the container reads every non-hidden file below its channel directory
        objects = [o for o in objects if not any(p.startswith(".") for p in o.relative.split("/"))]
    summary.objects = len(objects)
    summary.bytes = sum(o.size or 0 for o in objects)
    summary.read = True
    # each instance reads its share of a ShardedByS3Key channel (all of a replicated one)
    sharded = instance_count > 1 and channel.distribution == "ShardedByS3Key"
    shares = sharding.assign(objects, channel.distribution, instance_count) if sharded \
        else {contract.FIRST_HOST: objects}
    # the container's reader; validate passes on_error
    try:
        reader = channel_reader(descriptor, channel.name, content_type or channel.content_type,
                                channel.record_wrapper)
    except CustomerError as exc:
        collect.add(Problem("channel", str(exc), channel=channel.name))
        return
    bar = progress(summary.bytes, f"validating {channel.name}") if progress else None
    try:
        for host, share in shares.items():
            state = _ChannelState(channel.name, checks, summary, collect,
                                  host if sharded else None)
            _read_share(channel, share, reader, state, bar)
            if not state.format_problems:
                try:
                    checks.end(channel.name, state.records)
                except DataError as exc:
                    collect.add(Problem("data", str(exc), channel=channel.name, host=state.host))
    finally:
        if bar is not None:
            bar.close()


def _read_share(channel: ChannelSpec, objects, reader, state: "_ChannelState", bar) -> None:
    if channel.is_pipe:
        objects = epoch_order(objects, channel.shuffle_seed, 0)   # the first pass's FIFO
        start = 0
        while start < len(objects):
            start = _read_pipe_stream(channel, objects, start, reader, state, bar)
    else:
        for obj in objects:
            _read_file(channel, obj, reader, state, bar)


class _ChannelState:
    """One instance's reading of a channel."""

    def __init__(self, name, checks, summary, collect, host):
        self.name = name
        self.checks = checks
        self.summary = summary
        self.collect = collect
        self.host = host              # set when instances read different shares
        self.format_problems = 0
        self.records = 0

    def add(self, problem: Problem) -> None:
        problem.host = self.host
        self.collect.add(problem)


def _counted(stream: BinaryIO, bar) -> BinaryIO:
    if bar is None:
        return stream
    return io.BufferedReader(CountingReader(stream, bar.update), READ_BUFFER)


def _read_file(channel, obj, reader, state: _ChannelState, bar) -> None:
    name = f"{LOGICAL_DATA}/{channel.name}/{obj.relative}"
    try:
        raw = staging.open_object(obj)   # File mode copies objects as they are
    except staging.StagingError as exc:
        state.format_problems += 1
        state.add(Problem("channel", str(exc), channel=channel.name, object=obj.uri))
        return
    with raw:
        _read_source(_counted(raw, bar), name, reader, state, lambda problem: obj.uri)


def _read_pipe_stream(channel, objects, start, reader, state: _ChannelState, bar) -> int:
    """Reads objects[start:] as one Pipe-mode stream; returns where to resume (len(objects) when
    the stream was read to its end)."""
    fifo = f"{LOGICAL_DATA}/{contract.fifo_name(channel.name, 0)}"
    name = fifo if start == 0 else f"{fifo} from {objects[start].uri}"
    stream = ChannelStream(channel, objects[start:])
    try:
        with stream:
            source = _counted(stream, bar) if bar is not None else io.BufferedReader(stream,
                                                                                     READ_BUFFER)
            failed = _read_source(source, name, reader, state, stream.object_of)
    except (OSError, EOFError, zlib.error, staging.StagingError) as exc:
        # CompressionType=Gzip on data that is not; an augmented manifest's missing object
        index = start + max(stream.index, 0)
        state.format_problems += 1
        uri = objects[index].uri
        why = str(exc) if isinstance(exc, staging.StagingError) else staging.stream_failure(
            uri, channel.compression, exc)
        state.add(Problem("channel", why, channel=channel.name, object=uri))
        return index + 1
    if failed is None:
        return len(objects)
    return start + stream.index_of(failed) + 1


def _read_source(source: BinaryIO, name: str, reader, state: _ChannelState,
                 object_of) -> Problem | None:
    """Reads one file or stream through the formats reader and the algorithm's checks. Returns
    the problem that ended it early, if one did."""
    channel, checks, summary = state.name, state.checks, state.summary

    run = {}   # the last format problem, while the records after it repeat it

    def format_problem(exc: FormatError) -> Problem:
        state.format_problems += 1
        if (run and exc.record is not None and exc.record == run["next"]
                and (exc.problem, exc.hint) == run["what"]):
            # e.g. every record of a file of another width, in a Pipe-mode stream: one problem
            run["problem"].repeats = (run["problem"].repeats or 0) + 1
            run["next"] += 1
            return run["problem"]
        problem = Problem("data", message_of(exc), channel=channel, file=exc.source or name,
                          line=exc.line, record=exc.record, offset=exc.offset)
        problem.object = object_of(problem)
        run.update(problem=problem, what=(exc.problem, exc.hint),
                   next=None if exc.record is None else exc.record + 1)
        state.add(problem)
        return problem

    def data_problem(exc: DataError, batch: Batch, row: int) -> None:
        problem = Problem("data", str(exc), channel=channel, file=batch.source)
        if batch.lines is not None:
            problem.line = int(batch.lines[row])
        else:
            problem.record = batch.first_record + row
            if batch.offsets is not None:
                problem.offset = int(batch.offsets[row])
        problem.object = object_of(problem)
        state.add(problem)

    whole_batches_ok = True
    try:
        for batch in reader(source, batch_size=BATCH_SIZE, name=name, on_error=format_problem):
            if len(batch) == 0:
                continue
            _summarise(summary, batch)
            state.records += len(batch)
            if whole_batches_ok:
                try:
                    checks.batch(batch, channel)
                except DataError as exc:
                    data_problem(exc, batch, 0)
                    whole_batches_ok = False   # once per file; its records cannot be judged
            if whole_batches_ok:
                _check_records(checks, batch, channel, data_problem)
    except FormatError as exc:
        return format_problem(exc)
    return None


def _check_records(checks: InputChecks, batch: Batch, channel: str, on_bad, lo: int = 0,
                   hi: int | None = None) -> None:
    """Runs ``checks.records`` on the batch, then on the halves of a failing part down to single
    records, so that every bad record is reported (in row order) in the words training would use
    for it. Clean batches cost one call."""
    hi = len(batch) if hi is None else hi
    part = batch if (lo == 0 and hi == len(batch)) else _rows(batch, lo, hi)
    try:
        checks.records(part, channel)
        return
    except DataError as exc:
        if hi - lo == 1:
            on_bad(exc, batch, lo)
            return
    mid = (lo + hi) // 2
    _check_records(checks, batch, channel, on_bad, lo, mid)
    _check_records(checks, batch, channel, on_bad, mid, hi)


def _rows(batch: Batch, lo: int, hi: int) -> Batch:
    return batch.rows(lo, hi)


def _summarise(summary: ChannelSummary, batch: Batch) -> None:
    summary.records += len(batch)
    width = int(batch.features.shape[1])
    if width not in summary.widths:
        summary.widths.append(width)
    kind = "sparse" if batch.sparse else "dense"
    if kind not in summary.kinds:
        summary.kinds.append(kind)
    labels = batch.labels
    has = labels is not None
    summary.labelled = has if summary.labelled is None else (summary.labelled and has)
    if has and len(labels) and labels.dtype != object:     # masks are not label values
        finite = labels[np.isfinite(labels)]
        if len(finite):
            lo, hi = float(finite.min()), float(finite.max())
            summary.label_min = lo if summary.label_min is None else min(lo, summary.label_min)
            summary.label_max = hi if summary.label_max is None else max(hi, summary.label_max)
