"""``smemu validate``: everything a training job would reject, found without training.

The checks are the ones the job itself makes, called one by one so that every problem is reported
(not only the first) in the words ``smemu train`` writes to the failure file:

* the request: :meth:`TrainingJobSpec.from_request` (fields, names, enums, what smemu emulates);
* the hyperparameters: the algorithm's ``Schema.problems``;
* the channels: ``smemu.algorithms.channel_config`` (channel names, ContentType) and staging
  (``list_channel``: a prefix with no objects, a bad manifest);
* every record: the formats readers (their ``FormatError``), then the algorithm's
  ``input_checks(config)`` (width against ``feature_dim``, NaN/inf, labels, too few records).

Files are named as the container names them (``/opt/ml/input/data/train/part-0.csv`` in File mode,
the FIFO ``/opt/ml/input/data/train_0`` in Pipe mode), so the message is the failure file's text;
each problem also carries the object's URI. A bad CSV line, or a bad RecordIO-protobuf record whose
framing is intact, is reported and skipped (the readers' ``on_error``); broken RecordIO framing
ends that file, and the next file is still read. A Pipe-mode channel is one stream, as
the container reads it; after a fatal error the rest of the channel is read as a new stream from
the next object, named ``<fifo> from <object URI>`` (training would have stopped before it).

Channels are streamed batch by batch; nothing holds a whole channel in memory.
"""

from __future__ import annotations

import bisect
import io
from dataclasses import asdict, dataclass, field
from typing import BinaryIO, Callable, Iterator

import numpy as np

from smemu.algorithms import get_algorithm
from smemu.algorithms.base import InputChecks
from smemu.algorithms.channel_config import channel_problems, content_type_problem
from smemu.algorithms.errors import CustomerError, DataError
from smemu.emulator import images, staging
from smemu.emulator.pipes import epoch_order
from smemu.emulator.spec import ChannelSpec, SpecError, TrainingJobSpec
from smemu.formats import Batch, FormatError, reader_for
from smemu.formats.files import CountingReader
from smemu.formats.recordio import frame

LOGICAL_DATA = "/opt/ml/input/data"
BATCH_SIZE = 10_000
READ_BUFFER = 1 << 20


@dataclass
class Problem:
    """One thing the job would reject. ``message`` is what ``smemu train`` puts after
    ``ClientError: `` in the failure file (for ``kind="request"``, what it prints)."""

    kind: str                   # request | hyperparameters | channel | data
    message: str
    channel: str | None = None
    object: str | None = None   # URI of the object (file) the problem is in
    file: str | None = None     # the file as the container names it
    line: int | None = None     # 1-based line (CSV)
    record: int | None = None   # 0-based record index (RecordIO-protobuf)
    offset: int | None = None   # byte offset in the file
    field: str | None = None    # request field path, or hyperparameter name
    repeats: int | None = None  # how many records right after this one have the same problem

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class ChannelSummary:
    name: str
    content_type: str | None
    input_mode: str
    objects: int = 0
    bytes: int = 0
    records: int = 0
    widths: list = field(default_factory=list)       # distinct feature widths seen
    kinds: list = field(default_factory=list)        # "dense" / "sparse"
    labelled: bool | None = None
    label_min: float | None = None
    label_max: float | None = None
    read: bool = False                               # whether the data was read at all

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    job: str | None = None
    algorithm: str | None = None
    channels: list[ChannelSummary] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    truncated: bool = False          # stopped at --max-errors

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"job": self.job, "algorithm": self.algorithm, "ok": self.ok,
                "truncated": self.truncated, "channels": [c.to_dict() for c in self.channels],
                "problems": [p.to_dict() for p in self.problems], "notes": self.notes}


class _Enough(Exception):
    """``max_errors`` problems were found."""


class _Collector:
    def __init__(self, report: Report, max_errors: int | None):
        self.report = report
        self.max_errors = max_errors

    def add(self, problem: Problem) -> None:
        self.report.problems.append(problem)
        if self.max_errors is not None and len(self.report.problems) >= self.max_errors:
            self.report.truncated = True
            raise _Enough()


# ------------------------------------------------------------------------------------------------
# the job

def validate_request(request, base_dir: str | None = None, max_errors: int | None = None,
                     progress: Callable[[int, str], object] | None = None) -> Report:
    """Checks a CreateTrainingJob request and all of its channels' data.

    ``progress(total_bytes, label)`` may return a ``smemu.progress.Progress`` for a channel."""
    report = Report(job=request.get("TrainingJobName") if isinstance(request, dict) else None)
    collect = _Collector(report, max_errors)
    try:
        try:
            spec = TrainingJobSpec.from_request(request, base_dir=base_dir)
        except SpecError as exc:
            for p in exc.problems:
                collect.add(Problem("request", str(p), field=p.path or None))
            _hyperparameters_of_bad_request(request, collect)
            report.notes.append("The request has problems, so the channels' data were not read; "
                                "fix the request and validate again.")
            return report
        _validate_spec(spec, report, collect, progress)
    except _Enough:
        report.notes.append(f"Stopped after {len(report.problems)} problems (--max-errors).")
    _in_file_order(report)
    return report


def validate_spec(spec: TrainingJobSpec, max_errors: int | None = None,
                  progress: Callable[[int, str], object] | None = None) -> Report:
    report = Report(job=spec.name)
    try:
        _validate_spec(spec, report, _Collector(report, max_errors), progress)
    except _Enough:
        report.notes.append(f"Stopped after {len(report.problems)} problems (--max-errors).")
    _in_file_order(report)
    return report


def _in_file_order(report: Report) -> None:
    """Problems of one file in the order of their lines/records (a reader meets a block's bad
    lines before the records of that block are checked); files stay in the order read."""
    first_seen: dict = {}
    for i, p in enumerate(report.problems):
        first_seen.setdefault((p.channel, p.file), i)

    def key(item):
        i, p = item
        if p.file is None:
            return (first_seen[(p.channel, p.file)], i, 0)
        position = p.line if p.line is not None else (p.record if p.record is not None else -1)
        return (first_seen[(p.channel, p.file)], position, i)
    report.problems = [p for _, p in sorted(enumerate(report.problems), key=key)]


def _hyperparameters_of_bad_request(request, collect: _Collector) -> None:
    """Hyperparameter problems of a request that failed validation, when its algorithm is known."""
    if not isinstance(request, dict):
        return
    alg = request.get("AlgorithmSpecification")
    image = (alg.get("TrainingImage") or alg.get("AlgorithmName")) if isinstance(alg, dict) else None
    hyperparameters = request.get("HyperParameters") or {}
    if not isinstance(image, str) or not isinstance(hyperparameters, dict):
        return
    try:
        algorithm = get_algorithm(images.algorithm_for_image(image))
    except (images.UnknownImage, CustomerError):
        return
    collect.report.algorithm = algorithm.name
    for exc in algorithm.schema.problems(hyperparameters):
        collect.add(Problem("hyperparameters", str(exc), field=exc.name))


def _validate_spec(spec: TrainingJobSpec, report: Report, collect: _Collector, progress) -> None:
    algorithm = get_algorithm(spec.algorithm)
    report.algorithm = algorithm.name
    report.channels = [ChannelSummary(c.name, c.content_type, c.input_mode) for c in spec.channels]
    summaries = {s.name: s for s in report.channels}

    problems = algorithm.schema.problems(spec.hyperparameters)
    for exc in problems:
        collect.add(Problem("hyperparameters", str(exc), field=exc.name))
    if problems:
        checks = InputChecks()
        report.notes.append("The hyperparameters have problems, so records were checked for "
                            "format only (not against feature_dim, labels or k).")
    else:
        checks = algorithm.input_checks(algorithm.schema.resolve(spec.hyperparameters))

    input_config = spec.input_data_config()
    for exc in channel_problems(algorithm, input_config):
        collect.add(Problem("channel", str(exc)))
    taken = tuple(algorithm.required_channels) + tuple(algorithm.optional_channels)
    # the order training reads them in: train first, then the others the algorithm takes
    for name in taken:
        channel = spec.channel(name)
        if channel is None:
            continue
        problem = content_type_problem(name, channel.content_type)
        if problem is not None:
            collect.add(Problem("channel", str(problem), channel=name))
            continue
        _validate_channel(channel, checks, summaries[name], collect, progress)


# ------------------------------------------------------------------------------------------------
# one channel

def _validate_channel(channel: ChannelSpec, checks: InputChecks, summary: ChannelSummary,
                      collect: _Collector, progress) -> None:
    try:
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
    bar = progress(summary.bytes, f"validating {channel.name}") if progress else None
    reader = reader_for(channel.content_type)   # the container's; validate passes on_error
    state = _ChannelState(channel.name, checks, summary, collect)
    try:
        if channel.is_pipe:
            objects = epoch_order(objects, channel.shuffle_seed, 0)   # the first pass's FIFO
            start = 0
            while start < len(objects):
                start = _read_pipe_stream(channel, objects, start, reader, state, bar)
        else:
            for obj in objects:
                _read_file(channel, obj, reader, state, bar)
    finally:
        if bar is not None:
            bar.close()
    if not state.format_problems:
        try:
            checks.end(channel.name, summary.records)
        except DataError as exc:
            collect.add(Problem("data", str(exc), channel=channel.name))


class _ChannelState:
    def __init__(self, name, checks, summary, collect):
        self.name = name
        self.checks = checks
        self.summary = summary
        self.collect = collect
        self.format_problems = 0


def _counted(stream: BinaryIO, bar) -> BinaryIO:
    if bar is None:
        return stream
    return io.BufferedReader(CountingReader(stream, bar.update), READ_BUFFER)


def _read_file(channel, obj, reader, state: _ChannelState, bar) -> None:
    name = f"{LOGICAL_DATA}/{channel.name}/{obj.relative}"
    try:
        raw = staging.storage_for(obj.uri).open(obj.uri)   # File mode copies objects as they are
    except staging.StagingError as exc:
        state.format_problems += 1
        state.collect.add(Problem("channel", str(exc), channel=channel.name, object=obj.uri))
        return
    with raw:
        _read_source(_counted(raw, bar), name, reader, state, lambda problem: obj.uri)


def _read_pipe_stream(channel, objects, start, reader, state: _ChannelState, bar) -> int:
    """Reads objects[start:] as one Pipe-mode stream; returns where to resume (len(objects) when
    the stream was read to its end)."""
    fifo = f"{LOGICAL_DATA}/{channel.name}_0"
    name = fifo if start == 0 else f"{fifo} from {objects[start].uri}"
    with _ChannelStream(channel, objects[start:]) as stream:
        source = _counted(stream, bar) if bar is not None else io.BufferedReader(stream, READ_BUFFER)
        failed = _read_source(source, name, reader, state, stream.object_of)
    if failed is None:
        return len(objects)
    return start + stream.index_of(failed) + 1


def _read_source(source: BinaryIO, name: str, reader, state: _ChannelState,
                 object_of) -> Problem | None:
    """Reads one file or stream through the formats reader and the algorithm's checks. Returns
    the problem that ended it early, if one did."""
    channel, checks, summary, collect = state.name, state.checks, state.summary, state.collect

    run = {}   # the last format problem, while the records after it repeat it

    def format_problem(exc: FormatError) -> Problem:
        state.format_problems += 1
        if (run and exc.record is not None and exc.record == run["next"]
                and (exc.problem, exc.hint) == run["what"]):
            # e.g. every record of a file of another width, in a Pipe-mode stream: one problem
            run["problem"].repeats = (run["problem"].repeats or 0) + 1
            run["next"] += 1
            return run["problem"]
        problem = Problem("data", str(exc), channel=channel, file=exc.source or name,
                          line=exc.line, record=exc.record, offset=exc.offset)
        problem.object = object_of(problem)
        run.update(problem=problem, what=(exc.problem, exc.hint),
                   next=None if exc.record is None else exc.record + 1)
        collect.add(problem)
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
        collect.add(problem)

    whole_batches_ok = True
    try:
        for batch in reader(source, batch_size=BATCH_SIZE, name=name, on_error=format_problem):
            if len(batch) == 0:
                continue
            _summarise(summary, batch)
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
    return Batch(batch.features[lo:hi], None if batch.labels is None else batch.labels[lo:hi],
                 batch.source, batch.first_record + lo,
                 offsets=None if batch.offsets is None else batch.offsets[lo:hi],
                 lines=None if batch.lines is None else batch.lines[lo:hi])


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
    if has and len(labels):
        finite = labels[np.isfinite(labels)]
        if len(finite):
            lo, hi = float(finite.min()), float(finite.max())
            summary.label_min = lo if summary.label_min is None else min(lo, summary.label_min)
            summary.label_max = hi if summary.label_max is None else max(hi, summary.label_max)


# ------------------------------------------------------------------------------------------------
# a Pipe-mode channel as one stream

class _ChannelStream(io.RawIOBase):
    """The bytes a Pipe-mode FIFO carries for one pass: the objects in key order, gunzipped for
    CompressionType=Gzip, each wrapped in one RecordIO record for RecordWrapperType=RecordIO (as
    ``smemu.emulator.pipes.PipeFeeder`` feeds them). Remembers where each object starts (byte
    offset and line) to name the object a problem is in."""

    def __init__(self, channel: ChannelSpec, objects: list[staging.StoredObject]):
        self.channel = channel
        self.objects = objects
        self.index = -1
        self.current: BinaryIO | None = None
        self.starts: list[int] = []        # stream offset where each object starts
        self.first_lines: list[int] = []   # stream line number of each object's first line
        self.position = 0
        self.newlines = 0
        self.name = None

    def readable(self) -> bool:
        return True

    def _next(self) -> bool:
        if self.current is not None:
            self.current.close()
            self.current = None
        self.index += 1
        if self.index >= len(self.objects):
            return False
        obj = self.objects[self.index]
        self.starts.append(self.position)
        self.first_lines.append(self.newlines + 1)
        src = staging.open_object(obj, self.channel.compression)
        if self.channel.record_wrapper == "RecordIO":
            with src:
                src = io.BytesIO(frame(src.read()))
        self.current = src
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self.current is None and not self._next():
                return 0
            n = self.current.readinto(buffer)
            if n:
                view = memoryview(buffer)[:n]
                self.newlines += bytes(view).count(b"\n")
                self.position += n
                return n
            self.current.close()
            self.current = None

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None
        super().close()

    def index_of(self, problem: Problem) -> int:
        if problem.offset is not None and self.starts:
            return max(bisect.bisect_right(self.starts, problem.offset) - 1, 0)
        if problem.line is not None and self.first_lines:
            return max(bisect.bisect_right(self.first_lines, problem.line) - 1, 0)
        return max(self.index, 0)

    def object_of(self, problem: Problem) -> str | None:
        if not self.objects:
            return None
        return self.objects[min(self.index_of(problem), len(self.objects) - 1)].uri


def problems_text(report: Report) -> Iterator[str]:
    """The report for a terminal, one problem per paragraph."""
    title = f"Job {report.job}" if report.job else "Job"
    yield f"{title} ({report.algorithm or 'unknown algorithm'})"
    for c in report.channels:
        if not c.read:
            yield f"  channel {c.name}: not read"
            continue
        width = "/".join(str(w) for w in c.widths) or "-"
        kinds = "/".join(c.kinds) or "-"
        if c.labelled and c.label_min is not None:
            labels = f"labels {c.label_min:g} to {c.label_max:g}"
        else:
            labels = "labels none" if c.labelled is False else "labels -"
        yield (f"  channel {c.name} ({c.input_mode}, {c.content_type or 'application/x-recordio-protobuf'}):"
               f" {c.objects} object{'s' if c.objects != 1 else ''}, {c.bytes:,} bytes, "
               f"{c.records:,} records, width {width} ({kinds}), {labels}")
    if report.ok:
        yield "No problems found: the job would start cleanly."
    else:
        n = len(report.problems)
        yield f"{n} problem{'s' if n != 1 else ''}{' (stopped early)' if report.truncated else ''}:"
        for p in report.problems:
            where = [p.kind]
            if p.channel:
                where.append(f"channel {p.channel}")
            if p.object:
                where.append(p.object)
            more = (f" (The {p.repeats} record{'s' if p.repeats != 1 else ''} right after it "
                    f"{'have' if p.repeats != 1 else 'has'} the same problem.)" if p.repeats else "")
            yield f"- [{', '.join(where)}] {p.message}{more}"
    for note in report.notes:
        yield f"Note: {note}"
