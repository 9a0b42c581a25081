"""Metrics from a job's log lines, as SageMaker collects them into ``FinalMetricDataList``.

SageMaker applies the algorithm's built-in MetricDefinitions (the service's own regexes, declared
in each algorithm's descriptor) plus the user's ``AlgorithmSpecification.MetricDefinitions``
to every line of stdout/stderr; the first capture group is the value, and the last value per metric
is the final one.
"""

from __future__ import annotations

import re
import time

from smemu.algorithms.registry import get_descriptor


def builtin_definitions(algorithm: str) -> list[dict]:
    """The MetricDefinitions SageMaker injects for ``algorithm`` (declared in its descriptor)."""
    return get_descriptor(algorithm).metric_definitions_api()


class MetricMatcher:
    """A job's MetricDefinitions, compiled: ``matches(line)`` gives the (name, value) of every
    definition the line matches (the first capture group, or the whole match without one)."""

    def __init__(self, definitions: list[dict]):
        self.patterns = []
        seen = set()
        for d in definitions:
            try:
                name, regex = d["Name"], d["Regex"]
            except (KeyError, TypeError):
                continue
            if name in seen:
                continue
            seen.add(name)
            try:
                self.patterns.append((name, re.compile(regex)))
            except re.error:
                continue   # the spec check reports bad regexes; never fail a job over one here

    def matches(self, line: str):
        for name, pattern in self.patterns:
            match = pattern.search(line)
            if not match:
                continue
            try:
                yield name, float(match.group(1) if pattern.groups else match.group(0))
            except (ValueError, IndexError):
                continue


class MetricCollector:
    """Feed it log lines; ``final()`` is the FinalMetricDataList (last value per metric)."""

    def __init__(self, definitions: list[dict]):
        self.matcher = MetricMatcher(definitions)
        self.values: dict[str, tuple[float, float]] = {}
        self._order: list[str] = []

    def feed(self, line: str, timestamp: float | None = None) -> None:
        for name, value in self.matcher.matches(line):
            if name not in self.values:
                self._order.append(name)
            self.values[name] = (value, time.time() if timestamp is None else timestamp)

    def final(self) -> list[dict]:
        return [{"MetricName": n, "Value": self.values[n][0], "Timestamp": self.values[n][1]}
                for n in self._order][:40]
