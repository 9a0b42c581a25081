"""What the console's pages show, gathered from a jobs root: training jobs (``JobStore``), tuning
jobs (``TuningStore``), transform jobs and endpoints (``HostingStore``), and a training job's
metrics per epoch (the data points :class:`TrainingJobMetrics` reads from its log with its
MetricDefinitions, as CloudWatch would hold them)."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import OrderedDict

from smemu.emulator.api.cloudwatch_metrics import TrainingJobMetrics
from smemu.emulator.hosting_store import HostingStore
from smemu.emulator.store import FINAL, JobNotFound, JobStore
from smemu.emulator.tuning.store import TuningJobNotFound, TuningStore

UNCHARTED = ("progress", "throughput")     # one value per epoch-less report: shown, not charted
LOG_TAIL_LINES = 2000                      # lines a page shows (and the live tail keeps)
LOG_TAIL_BYTES = 4 * 1024 * 1024           # bytes of log read at most per page or poll


def when(seconds) -> str:
    if not seconds:
        return ""
    return dt.datetime.fromtimestamp(float(seconds), dt.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S UTC")


def duration(start, end) -> str:
    if not start:
        return ""
    seconds = int(round((float(end) if end else time.time()) - float(start)))
    return f"{seconds // 3600}h {seconds // 60 % 60:02d}m {seconds % 60:02d}s" if seconds >= 3600 \
        else f"{seconds // 60}m {seconds % 60:02d}s"


def algorithm(record: dict) -> str:
    spec = record.get("AlgorithmSpecification") or {}
    image = spec.get("TrainingImage") or spec.get("AlgorithmName") or ""
    return image.rsplit("/", 1)[-1].split(":")[0]


def final_objective(record: dict) -> tuple[str, float] | None:
    """The job's headline metric: the first final validation metric, else train, leaving out
    progress and throughput (the console's choice; SageMaker's list shows none)."""
    metrics = [m for m in record.get("FinalMetricDataList") or []
               if not m.get("MetricName", "").endswith(UNCHARTED)]
    for channel in ("validation:", "test:", "train:"):
        for metric in metrics:
            if metric["MetricName"].startswith(channel):
                return metric["MetricName"], metric["Value"]
    return None


class Console:
    """The console's read side over one jobs root."""

    def __init__(self, store: JobStore):
        self.store = store
        self.tuning = TuningStore(store)
        self.hosting = HostingStore(store.root)
        self.metrics = TrainingJobMetrics(store)
        self._records: dict[str, tuple[tuple, dict]] = {}   # name -> ((mtime, size), record)

    def training_records(self) -> list[dict]:
        """Every training job's record, as ``JobStore.load`` gives it; a finished job's record is
        parsed again only when its job.json changed (the jobs page and its live refresh read
        them all every few seconds)."""
        out = []
        for name in self.store.names():
            path = self.store.job_dir(name) / self.store.RECORD
            try:
                stat = path.stat()
            except OSError:
                continue
            key = (stat.st_mtime_ns, stat.st_size)
            cached = self._records.get(name)
            if cached and cached[0] == key and cached[1].get("TrainingJobStatus") in FINAL:
                out.append(cached[1])
                continue
            try:
                record = self.store.load(name)
            except (JobNotFound, ValueError):
                continue
            self._records[name] = (key, record)
            out.append(record)
        return out

    # jobs page ---------------------------------------------------------------------------------
    def jobs(self, query: str = "", status: str = "") -> list[dict]:
        """Training, tuning and transform jobs, newest first, filtered by name and status."""
        rows = []
        for record in self.training_records():
            objective = final_objective(record)
            rows.append({"kind": "training", "name": record["TrainingJobName"],
                         "status": record.get("TrainingJobStatus", ""),
                         "secondary": record.get("SecondaryStatus", ""),
                         "algorithm": algorithm(record), "created": record.get("CreationTime", 0),
                         "duration": duration(record.get("TrainingStartTime"),
                                              record.get("TrainingEndTime")),
                         "objective": objective})
        for name in self.tuning.names():
            try:
                record = self.tuning.load(name)
            except TuningJobNotFound:
                continue
            definition = record.get("TrainingJobDefinition") or {}
            rows.append({"kind": "tuning", "name": name,
                         "status": record.get("HyperParameterTuningJobStatus", ""), "secondary": "",
                         "algorithm": algorithm(definition), "created": record.get("CreationTime", 0),
                         "duration": duration(record.get("CreationTime"),
                                              record.get("HyperParameterTuningEndTime")),
                         "objective": None})
        for record in self.hosting.transform_jobs.records():
            rows.append({"kind": "transform", "name": record.get("TransformJobName", ""),
                         "status": record.get("TransformJobStatus", ""), "secondary": "",
                         "algorithm": record.get("ModelName", ""),
                         "created": record.get("CreationTime", 0),
                         "duration": duration(record.get("TransformStartTime"),
                                              record.get("TransformEndTime")),
                         "objective": None})
        query, status = query.strip().lower(), status.strip().lower()
        rows = [r for r in rows if query in r["name"].lower()
                and (not status or r["status"].lower() == status)]
        rows.sort(key=lambda r: float(r["created"] or 0), reverse=True)
        for row in rows:
            row["created_text"] = when(row["created"])
        return rows

    # a training job ----------------------------------------------------------------------------
    def training_job(self, name: str) -> dict:
        """JobNotFound when there is no such job."""
        return self.store.load(name)

    def metric_series(self, name: str) -> tuple[OrderedDict, dict]:
        """``({metric: {channel: [values per epoch]}}, {metric name: last value})``: metrics seen
        more than once are charted (train and validation of one metric on one chart); the others
        are listed."""
        points = self.metrics.points(name)
        charts: OrderedDict = OrderedDict()
        single = {}
        for metric, values in points.items():
            if len(values) < 2 or metric.endswith(UNCHARTED):
                single[metric] = values[-1][1]
                continue
            channel, _, base = metric.partition(":") if ":" in metric else ("", "", metric)
            charts.setdefault(base, OrderedDict())[channel or metric] = [v for _t, v in values]
        return charts, single

    def log_since(self, name: str, offset: int = -1, limit: int = LOG_TAIL_LINES
                  ) -> tuple[list[str], int, bool]:
        """``(lines, next offset, cut)``: the complete lines written from byte ``offset`` on (-1:
        the end of the log), at most the last ``limit`` of them and of the last ``LOG_TAIL_BYTES``
        bytes, so a page following a log that grows fast stays bounded; ``cut`` says lines were
        left out."""
        try:
            with open(self.store.log_path(name), "rb") as handle:
                size = handle.seek(0, 2)
                start = max(0, min(offset if offset >= 0 else 0, size))
                if offset < 0 or size - start > LOG_TAIL_BYTES:
                    start = max(start, size - LOG_TAIL_BYTES)
                handle.seek(start)
                chunk = handle.read(size - start)
        except OSError:
            return [], max(offset, 0), False
        cut = start > max(offset, 0)
        if cut and start > 0:                       # began mid-line: drop the partial line
            newline = chunk.find(b"\n")
            chunk, start = (chunk[newline + 1:], start + newline + 1) if newline >= 0 else (b"", start)
        end = chunk.rfind(b"\n") + 1               # a line still being written waits
        lines = chunk[:end].decode("utf-8", errors="replace").splitlines()
        if len(lines) > limit:
            lines, cut = lines[-limit:], True
        return lines, start + end, cut

    # tuning jobs ---------------------------------------------------------------------------------
    def tuning_job(self, name: str) -> tuple[dict, list[dict]]:
        """(DescribeHyperParameterTuningJob, its training jobs with objective) -- TuningJobNotFound."""
        described = self.tuning.describe(name)
        jobs = self.tuning.training_jobs(self.tuning.load(name))
        for row in jobs:
            row["objective"] = (row.get("FinalHyperParameterTuningJobObjectiveMetric")
                                or {}).get("Value")
        jobs.sort(key=lambda j: j["CreationTime"])
        return described, jobs

    # endpoints -----------------------------------------------------------------------------------
    def endpoints(self) -> list[dict]:
        return [{k: v for k, v in r.items() if not k.startswith("_")}
                for r in self.hosting.endpoints.records()]


def failure_location(reason: str | None) -> str | None:
    """The place a FailureReason names (``line 17, column 3 of file train.csv``, ``record 12 (byte
    offset 880) of file ...``, as smemu.formats' errors say it), to highlight."""
    if not reason:
        return None
    found = re.search(r"(?:[Ll]ine \d+(?:, column \d+)?|[Rr]ecord \d+(?: \(byte offset \d+\))?)"
                      r"(?: of file \S+[^\s:.,])?|[Ff]ile \S+[^\s:.,]", reason)
    return found.group(0) if found else None
