"""What ``smemu validate`` found: problems, per-channel summaries, and the report's text form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterator


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
    host: str | None = None     # the instance, when instances read different shares of a channel

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


class Enough(Exception):
    """``max_errors`` problems were found."""


class Collector:
    def __init__(self, report: Report, max_errors: int | None):
        self.report = report
        self.max_errors = max_errors

    def add(self, problem: Problem) -> None:
        self.report.problems.append(problem)
        if self.max_errors is not None and len(self.report.problems) >= self.max_errors:
            self.report.truncated = True
            raise Enough()


def in_file_order(report: Report) -> None:
    """Problems of one file in the order of their lines/records (a reader meets a block's bad
    lines before the records of that block are checked); files stay in the order read."""
    first_seen: dict = {}
    for i, p in enumerate(report.problems):
        first_seen.setdefault((p.channel, p.host, p.file), i)

    def key(item):
        i, p = item
        if p.file is None:
            return (first_seen[(p.channel, p.host, p.file)], i, 0)
        position = p.line if p.line is not None else (p.record if p.record is not None else -1)
        return (first_seen[(p.channel, p.host, p.file)], position, i)
    report.problems = [p for _, p in sorted(enumerate(report.problems), key=key)]


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
            if p.host:
                where.append(p.host)
            if p.object:
                where.append(p.object)
            more = (f" (The {p.repeats} record{'s' if p.repeats != 1 else ''} right after it "
                    f"{'have' if p.repeats != 1 else 'has'} the same problem.)" if p.repeats else "")
            yield f"- [{', '.join(where)}] {p.message}{more}"
    for note in report.notes:
        yield f"Note: {note}"
