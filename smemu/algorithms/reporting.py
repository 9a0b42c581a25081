"""Metric and progress lines in the shapes SageMaker's built-in algorithms print.

Users' ``MetricDefinitions`` regexes (and the service's own for built-ins) read these lines, so
their shapes are fixed (as the built-ins' training logs print them, e.g. in AWS's example
notebooks). Everything goes through the
``smemu.algorithm`` logger (lines get the ``[MM/DD/YYYY HH:MM:SS INFO tid]`` prefix from the
container's handler) except ``#metrics`` JSON lines, which the built-ins print bare, through
``smemu.metrics``.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Mapping

log = logging.getLogger("smemu.algorithm")
metrics_log = logging.getLogger("smemu.metrics")


def _number(value: float) -> str:
    return repr(float(value))


class Reporter:
    """Prints one algorithm's progress and metrics for one host."""

    def __init__(self, metrics_name: str, host: str = "algo-1"):
        self.metrics_name = metrics_name
        self.host = host

    # plain log lines -------------------------------------------------------------------------
    def info(self, message: str, *args: Any) -> None:
        log.info(message, *args)

    def warning(self, message: str, *args: Any) -> None:
        log.warning(message, *args)

    # metric marker lines --------------------------------------------------------------------
    def progress(self, fraction_done: float, *, whole: bool = False) -> None:
        """``#progress_metric: host=algo-1, completed 33.333333333333336 % of epochs``; with
        ``whole`` the percentage is truncated to an integer (``completed 6 % of epochs``), as
        Linear Learner prints it."""
        percent = 100.0 * fraction_done
        shown = str(int(percent)) if whole else _number(percent)
        log.info("#progress_metric: host=%s, completed %s %% of epochs", self.host, shown)

    def throughput(self, records_per_second: float, channel: str = "train") -> None:
        log.info("#throughput_metric: host=%s, %s throughput=%s records/second",
                 self.host, channel, _number(records_per_second))

    def quality(self, channel: str, metric: str, value: float, *, kind: str = "loss",
                epoch: int | None = None, batch: int | None = None) -> None:
        """``#quality_metric: host=algo-1, [epoch=N, ]train msd <loss>=0.064``; kind is loss or
        score. With ``batch`` (and ``epoch``) the per-batch form ``epoch=0, batch=10 train ...``."""
        at = "" if epoch is None else f"epoch={epoch}, "
        if batch is not None:
            at = f"{at[:-2]}, batch={batch} "
        log.info("#quality_metric: host=%s, %s%s %s <%s>=%s",
                 self.host, at, channel, metric, kind, _number(value))

    def score(self, channel: str, metric: str, value: float) -> None:
        """``#test_score (algo-1) : ('msd', 1.98)``"""
        log.info("#%s_score (%s) : (%r, %s)", channel, self.host, metric, _number(value))

    def early_stopping(self, epoch: int, criteria: str, value: float) -> None:
        log.info("#early_stopping_criteria_metric: host=%s, epoch=%d, criteria=%s, value=%s",
                 self.host, epoch, criteria, _number(value))

    def metrics(self, values: Mapping[str, float | Mapping[str, float]], *,
                operation: str = "training", start: float | None = None, end: float | None = None,
                **dimensions: Any) -> None:
        """A bare ``#metrics {...}`` JSON line. A value is a number (one observation) or a
        ``{"sum", "count", "min", "max"}`` mapping."""
        end = time.time() if end is None else end
        start = end if start is None else start
        dims = {"Algorithm": self.metrics_name, "Host": self.host, "Operation": operation}
        dims.update(dimensions)
        stats = {}
        for name, value in values.items():
            if isinstance(value, Mapping):
                stats[name] = dict(value)
            else:
                v = float(value)
                stats[name] = {"sum": v, "count": 1, "min": v, "max": v}
        metrics_log.info("#metrics %s", json.dumps(
            {"StartTime": start, "EndTime": end, "Dimensions": dims, "Metrics": stats}))


class Throughput:
    """Counts records and time for ``#throughput_metric`` and the ``#metrics`` epoch lines."""

    def __init__(self) -> None:
        self.records = 0
        self.batches = 0
        self.start = time.perf_counter()

    def add(self, n_records: int) -> None:
        self.records += n_records
        self.batches += 1

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start

    @property
    def per_second(self) -> float:
        return self.records / max(self.seconds, 1e-9)
