"""CloudWatch metrics of training jobs: GetMetricStatistics, GetMetricData and ListMetrics over
the namespace ``/aws/sagemaker/TrainingJobs``, so that the SageMaker Python SDK's
``TrainingJobAnalytics`` (``estimator.training_job_analytics.dataframe()``) and
``aws cloudwatch get-metric-statistics`` read a job's metrics from smemu.

As on SageMaker, every line of the job's log that a MetricDefinition of the job matches (the
built-in ones and the user's, as DescribeTrainingJob lists them) is one data point of that metric,
with the dimension ``TrainingJobName``; its time is the line's own ``[MM/DD/YYYY HH:MM:SS ...]``
stamp where it has one (else the job's start).

botocore speaks CloudWatch in the Smithy RPC v2 CBOR protocol (``POST
/service/GraniteServiceVersion20100801/operation/<Operation>``, CBOR bodies); older clients use
the AWS JSON 1.0 protocol (``X-Amz-Target: GraniteServiceVersion20100801.<Operation>``). Both
reach the same handlers.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections import defaultdict

from smemu.emulator.api.errors import ApiError, ValidationException
from smemu.emulator.metrics import MetricMatcher
from smemu.emulator.store import JobNotFound, JobStore

NAMESPACE = "/aws/sagemaker/TrainingJobs"
TARGET_PREFIX = "GraniteServiceVersion20100801"
DIMENSION = "TrainingJobName"
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
_STAMP = re.compile(r"^\[(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d) ")


class InvalidParameterValue(ApiError):
    code = "InvalidParameterValue"
    status = 400


def _seconds(value) -> float:
    """A request timestamp (datetime from CBOR, epoch number from JSON) as epoch seconds."""
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise InvalidParameterValue(f"{value!r} is not a timestamp.")


def _line_time(line: str, default: float) -> float:
    found = _STAMP.match(line)
    if not found:
        return default
    try:
        return time.mktime(time.strptime(found.group(1), "%m/%d/%Y %H:%M:%S"))
    except ValueError:
        return default


class TrainingJobMetrics:
    def __init__(self, store: JobStore):
        self.store = store

    def operations(self) -> dict:
        return {"GetMetricStatistics": self.get_metric_statistics,
                "GetMetricData": self.get_metric_data,
                "ListMetrics": self.list_metrics}

    # data points -------------------------------------------------------------------------------
    def points(self, job: str) -> dict[str, list[tuple[float, float]]]:
        """metric name -> [(epoch seconds, value)] from the job's log."""
        try:
            record = self.store.load(job)
        except (JobNotFound, ValueError, OSError):
            return {}
        matcher = MetricMatcher(
            (record.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or [])
        start = float(record.get("TrainingStartTime") or record.get("CreationTime") or 0)
        try:
            text = self.store.log_path(job).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return {}
        found: dict[str, list] = defaultdict(list)
        for line in text.splitlines():
            stamp = None
            for name, value in matcher.matches(line):
                if not math.isfinite(value):
                    continue
                # a log stamp has whole seconds: one in the job's first second is not earlier
                stamp = max(_line_time(line, start), start) if stamp is None else stamp
                found[name].append((stamp, value))
        return found

    def _job_of(self, body: dict) -> str | None:
        if body.get("Namespace") != NAMESPACE:
            return None
        for dimension in body.get("Dimensions") or []:
            if isinstance(dimension, dict) and dimension.get("Name") == DIMENSION:
                return dimension.get("Value")
        return None

    # operations --------------------------------------------------------------------------------
    def get_metric_statistics(self, body: dict) -> dict:
        name = body.get("MetricName")
        statistics = body.get("Statistics") or []
        period = body.get("Period")
        problems = []
        if not isinstance(name, str) or not name:
            problems.append("MetricName is required")
        if not isinstance(period, int) or isinstance(period, bool) or period < 1:
            problems.append("Period must be a positive whole number of seconds")
        unknown = [s for s in statistics if s not in STATISTICS]
        if not statistics or unknown:
            problems.append(f"Statistics must be some of {', '.join(STATISTICS)}")
        if problems:
            raise ValidationException("; ".join(problems) + ".")
        start, end = _seconds(body.get("StartTime")), _seconds(body.get("EndTime"))
        job = self._job_of(body)
        points = self.points(job).get(name, []) if job else []
        buckets: dict[float, list[float]] = defaultdict(list)
        for stamp, value in points:
            # a request's times come back through float and datetime conversions: a point at the
            # job's start (TrainingStartTime, what the SDK asks from) may read a microsecond early
            if start - 0.001 <= stamp < end:
                buckets[start + period * max(0.0, (stamp - start) // period)].append(value)
        datapoints = []
        for bucket, values in sorted(buckets.items()):
            point = {"Timestamp": dt.datetime.fromtimestamp(bucket, dt.timezone.utc),
                     "Unit": "None"}
            summary = {"Average": sum(values) / len(values), "Sum": sum(values),
                       "Minimum": min(values), "Maximum": max(values),
                       "SampleCount": float(len(values))}
            point.update({s: summary[s] for s in statistics})
            datapoints.append(point)
        return {"Label": name, "Datapoints": datapoints}

    def get_metric_data(self, body: dict) -> dict:
        start, end = _seconds(body.get("StartTime")), _seconds(body.get("EndTime"))
        results = []
        for query in body.get("MetricDataQueries") or []:
            stat = (query or {}).get("MetricStat") or {}
            metric = stat.get("Metric") or {}
            job = self._job_of(metric)
            series = [(t, v) for t, v in (self.points(job).get(metric.get("MetricName"), [])
                                          if job else []) if start - 0.001 <= t < end]
            series.sort(reverse=body.get("ScanBy", "TimestampDescending") == "TimestampDescending")
            results.append({
                "Id": query.get("Id"), "Label": query.get("Label") or metric.get("MetricName"),
                "Timestamps": [dt.datetime.fromtimestamp(t, dt.timezone.utc) for t, _ in series],
                "Values": [v for _, v in series], "StatusCode": "Complete"})
        return {"MetricDataResults": results, "Messages": []}

    def list_metrics(self, body: dict) -> dict:
        if body.get("Namespace") not in (None, NAMESPACE):
            return {"Metrics": []}
        wanted = self._job_of({**body, "Namespace": NAMESPACE})
        names = [wanted] if wanted else self.store.names()
        metrics = []
        for job in names:
            for metric in self.points(job):
                if body.get("MetricName") in (None, metric):
                    metrics.append({"Namespace": NAMESPACE, "MetricName": metric,
                                    "Dimensions": [{"Name": DIMENSION, "Value": job}]})
        return {"Metrics": metrics}
