"""Building blocks of the MetricDefinitions SageMaker injects for its built-in algorithms.

SageMaker applies the algorithm's built-in MetricDefinitions (the service's own regexes, which
DescribeTrainingJob shows under ``AlgorithmSpecification.MetricDefinitions``) to every log line;
the first capture group is the value. Each algorithm's descriptor lists its own, built from these
helpers so that they match the lines :class:`~smemu.algorithms.reporting.Reporter` prints.
"""

from __future__ import annotations

from smemu.algorithms.descriptor import MetricDefinition, TunableMetric

QUALITY_PREFIX = r"#quality_metric: host=\S+, "


def quality(channel: str, name: str, kind: str = "loss") -> str:
    """The regex of ``#quality_metric: host=algo-1, <channel> <name> <kind>=<value>``."""
    return QUALITY_PREFIX + f"{channel} {name} <{kind}>=(\\S+)"


def quality_metric(channel: str, name: str, kind: str = "loss", *,
                   metric: str | None = None) -> MetricDefinition:
    """``<channel>:<metric or name>`` read from its ``#quality_metric`` line."""
    return MetricDefinition(f"{channel}:{metric or name}", quality(channel, name, kind))


#: the progress and throughput lines every built-in prints
COMMON = (
    MetricDefinition("train:progress", r"#progress_metric: host=\S+, completed (\S+) %"),
    MetricDefinition("train:throughput",
                     r"#throughput_metric: host=\S+, train throughput=(\S+) records/second"),
)


def minimize(*names: str) -> tuple[TunableMetric, ...]:
    return tuple(TunableMetric(n, "Minimize") for n in names)


def maximize(*names: str) -> tuple[TunableMetric, ...]:
    return tuple(TunableMetric(n, "Maximize") for n in names)
