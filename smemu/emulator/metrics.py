"""Metrics from a job's log lines, as SageMaker collects them into ``FinalMetricDataList``.

SageMaker applies the algorithm's built-in MetricDefinitions (the service's own regexes; see
``shared/reference/builtin-algorithms.md``) plus the user's ``AlgorithmSpecification.MetricDefinitions``
to every line of stdout/stderr; the first capture group is the value, and the last value per metric
is the final one.
"""

from __future__ import annotations

import re
import time

_Q = r"#quality_metric: host=\S+, "


def _quality(channel: str, name: str, kind: str) -> str:
    return _Q + f"{channel} {name} <{kind}>=(\\S+)"


_COMMON = [
    {"Name": "train:progress", "Regex": r"#progress_metric: host=\S+, completed (\S+) %"},
    {"Name": "train:throughput", "Regex": r"#throughput_metric: host=\S+, train throughput=(\S+) records/second"},
]

_KMEANS = _COMMON + [
    {"Name": "train:msd", "Regex": _quality("train", "msd", "loss")},
    {"Name": "test:msd", "Regex": _quality("test", "msd", "loss")},
    {"Name": "test:ssd", "Regex": _quality("test", "ssd", "loss")},
]


def _linear_learner() -> list[dict]:
    out = list(_COMMON) + [
        {"Name": "train:objective_loss", "Regex": _Q + r"epoch=\S+, train \S+_objective <loss>=(\S+)"},
        {"Name": "train:objective_loss:final", "Regex": _Q + r"train \S+_objective <loss>=(\S+)"},
        {"Name": "validation:objective_loss", "Regex": _Q + r"epoch=\S+, validation \S+_objective <loss>=(\S+)"},
        {"Name": "validation:objective_loss:final", "Regex": _Q + r"validation \S+_objective <loss>=(\S+)"},
        {"Name": "test:objective_loss", "Regex": _Q + r"test \S+_objective <loss>=(\S+)"},
    ]
    for ch in ("train", "validation", "test"):
        out += [
            {"Name": f"{ch}:binary_classification_accuracy", "Regex": _quality(ch, "binary_classification_accuracy", "score")},
            {"Name": f"{ch}:binary_f_beta", "Regex": _quality(ch, r"binary_f_\S+", "score")},
            {"Name": f"{ch}:precision", "Regex": _quality(ch, "precision", "score")},
            {"Name": f"{ch}:recall", "Regex": _quality(ch, "recall", "score")},
            {"Name": f"{ch}:mse", "Regex": _quality(ch, "mse", "loss")},
            {"Name": f"{ch}:absolute_loss", "Regex": _quality(ch, "absolute_loss", "loss")},
        ]
    for ch in ("validation", "test"):
        for name in ("multiclass_accuracy", "macro_precision", "macro_recall", "dcg"):
            out.append({"Name": f"{ch}:{name}", "Regex": _quality(ch, name, "score")})
        out.append({"Name": f"{ch}:macro_f_beta", "Regex": _quality(ch, r"macro_f_\S+", "score")})
        out.append({"Name": f"{ch}:multiclass_top_k_accuracy",
                    "Regex": _quality(ch, r"multiclass_top_k_accuracy_\S+", "score")})
        # documented tuning objectives missing from the 2020 dump, with the analogous regexes
        out.append({"Name": f"{ch}:roc_auc_score", "Regex": _quality(ch, "roc_auc_score", "score")})
    out.append({"Name": "validation:rmse", "Regex": _quality("validation", "rmse", "loss")})
    return out


BUILTIN_METRIC_DEFINITIONS: dict[str, list[dict]] = {
    "kmeans": _KMEANS,
    "linear-learner": _linear_learner(),
}


def builtin_definitions(algorithm: str) -> list[dict]:
    return [dict(d) for d in BUILTIN_METRIC_DEFINITIONS.get(algorithm, [])]


class MetricCollector:
    """Feed it log lines; ``final()`` is the FinalMetricDataList (last value per metric)."""

    def __init__(self, definitions: list[dict]):
        self.patterns = []
        seen = set()
        for d in definitions:
            if d["Name"] in seen:
                continue
            seen.add(d["Name"])
            try:
                self.patterns.append((d["Name"], re.compile(d["Regex"])))
            except re.error:
                continue   # the spec check reports bad regexes; never fail a job over one here
        self.values: dict[str, tuple[float, float]] = {}
        self._order: list[str] = []

    def feed(self, line: str, timestamp: float | None = None) -> None:
        for name, pattern in self.patterns:
            match = pattern.search(line)
            if not match:
                continue
            try:
                value = float(match.group(1) if pattern.groups else match.group(0))
            except (ValueError, IndexError):
                continue
            if name not in self.values:
                self._order.append(name)
            self.values[name] = (value, time.time() if timestamp is None else timestamp)

    def final(self) -> list[dict]:
        return [{"MetricName": n, "Value": self.values[n][0], "Timestamp": self.values[n][1]}
                for n in self._order][:40]
