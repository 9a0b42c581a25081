"""The CloudWatch Logs operations over training jobs' logs (each job's ``logs.txt``):
DescribeLogStreams, GetLogEvents and FilterLogEvents (``aws logs filter-log-events``, awslogs), and
DeleteLogGroup (SDK clean-ups).

SageMaker sends a job's container output to the log group ``/aws/sagemaker/TrainingJobs``, one
stream per instance named ``<job>/algo-1-<epoch seconds>``, and the SageMaker Python SDK's
``fit()`` (``logs=True``, its default) and ``attach(...).logs()`` print them from there. With
``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`` pointed at smemu, they print smemu's. Both are JSON 1.1 operations with
the target prefix ``Logs_20140328``.

smemu does not keep a time per line: every event carries the job's ``CreationTime``. Readers that page by time, as the SDK does
(``startTime`` plus a count of events to skip at that time), still see each line once.
"""

from __future__ import annotations

import re

from smemu import contract
from smemu.emulator.api.errors import ApiError, ValidationException
from smemu.emulator.api.shared import NAME as JOB_NAME
from smemu.emulator.store import JobNotFound, JobStore

LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TARGET_PREFIX = "Logs_20140328"
MAX_EVENTS = 10000
MAX_BYTES = 1024 * 1024
STREAM = re.compile(r"(?P<job>[^/]+)/" + re.escape(contract.FIRST_HOST) + r"-(?P<stamp>\d+)")


class ResourceNotFoundException(ApiError):
    code = "ResourceNotFoundException"
    status = 400


class InvalidParameterException(ApiError):
    code = "InvalidParameterException"
    status = 400


class JobLogs:
    def __init__(self, store: JobStore):
        self.store = store

    def operations(self) -> dict:
        return {"DescribeLogStreams": self.describe_log_streams,
                "GetLogEvents": self.get_log_events,
                "FilterLogEvents": self.filter_log_events,
                "DeleteLogGroup": self.delete_log_group}

    def describe_log_streams(self, body: dict) -> dict:
        _check_group(body)
        prefix = body.get("logStreamNamePrefix") or ""
        if not isinstance(prefix, str):
            raise ValidationException("logStreamNamePrefix must be a string.")
        if "/" in prefix:
            names = [prefix.split("/", 1)[0]]
        else:
            names = [name for name in self.store.names() if name.startswith(prefix)]
        streams = []
        for name in names:
            stream = self._stream(name)
            if stream and stream["logStreamName"].startswith(prefix):
                streams.append(stream)
        order = body.get("orderBy", "LogStreamName")
        key = "lastEventTimestamp" if order == "LastEventTime" else "logStreamName"
        streams.sort(key=lambda s: s[key], reverse=bool(body.get("descending")))
        start = _token_index(body.get("nextToken"), "s")
        limit = _limit(body.get("limit"), 50)
        answer = {"logStreams": streams[start:start + limit]}
        if start + limit < len(streams):
            answer["nextToken"] = f"s/{start + limit}"
        return answer

    def get_log_events(self, body: dict) -> dict:
        _check_group(body)
        stream = body.get("logStreamName")
        found = STREAM.fullmatch(stream) if isinstance(stream, str) else None
        record = self._record(found.group("job")) if found else None
        if record is None or found.group("stamp") != str(_stamp(record)):
            raise ResourceNotFoundException("The specified log stream does not exist.")
        lines = self._lines(record["TrainingJobName"])
        millis = _event_time(record)
        if (body.get("startTime") or 0) > millis or (body.get("endTime") is not None
                                                     and body["endTime"] <= millis):
            lines = []
        limit = _limit(body.get("limit"), MAX_EVENTS)
        token = body.get("nextToken")
        if token is not None:
            start = _token_index(token, "f" if str(token).startswith("f/") else "b")
        else:
            start = 0 if body.get("startFromHead") else max(0, len(lines) - limit)
        events, size, end = [], 0, start
        for line in lines[start:start + limit]:
            size += len(line.encode()) + 26
            if size > MAX_BYTES and events:
                break
            events.append({"timestamp": millis, "message": line, "ingestionTime": millis})
            end += 1
        return {"events": events, "nextForwardToken": f"f/{end}", "nextBackwardToken": f"b/{start}"}

    def filter_log_events(self, body: dict) -> dict:
        """Events of the group's streams (all, ``logStreamNames`` or ``logStreamNamePrefix``)
        within ``startTime``/``endTime`` whose message matches ``filterPattern`` (CloudWatch's
        term syntax: every term, ``"quoted phrases"``, ``?any`` of a set, ``-excluded``)."""
        _check_group(body)
        names = body.get("logStreamNames")
        prefix = body.get("logStreamNamePrefix")
        if names is not None and prefix is not None:
            raise InvalidParameterException("logStreamNames and logStreamNamePrefix cannot both "
                                            "be given.")
        matches = match_pattern(body.get("filterPattern") or "")
        streams = [self._stream(name) for name in self.store.names()]
        streams = sorted((s for s in streams if s is not None), key=lambda s: s["logStreamName"])
        if names is not None:
            streams = [s for s in streams if s["logStreamName"] in set(names)]
        elif prefix:
            streams = [s for s in streams if s["logStreamName"].startswith(prefix)]
        start_time, end_time = body.get("startTime"), body.get("endTime")
        events = []
        for stream in streams:
            millis = stream["firstEventTimestamp"]
            if (start_time is not None and millis < start_time) or \
                    (end_time is not None and millis > end_time):
                continue
            job = stream["logStreamName"].split("/", 1)[0]
            for number, line in enumerate(self._lines(job)):
                if matches(line):
                    events.append({"logStreamName": stream["logStreamName"], "timestamp": millis,
                                   "message": line, "ingestionTime": millis,
                                   "eventId": f"{job}-{number:012d}"})
        start = _token_index(body.get("nextToken"), "e")
        limit = _limit(body.get("limit"), MAX_EVENTS)
        answer = {"events": events[start:start + limit],
                  "searchedLogStreams": [{"logStreamName": s["logStreamName"],
                                          "searchedCompletely": True} for s in streams]}
        if start + limit < len(events):
            answer["nextToken"] = f"e/{start + limit}"
        return answer

    def delete_log_group(self, body: dict) -> dict:
        """Deleting the training jobs' group empties the logs of the jobs that have ended (a
        running job goes on writing, as its stream would be re-created on CloudWatch)."""
        _check_group(body)
        for name in self.store.names():
            record = self._record(name)
            if record and record.get("TrainingJobStatus") in ("Completed", "Failed", "Stopped"):
                try:
                    self.store.log_path(name).write_bytes(b"")
                except OSError:
                    pass
        return {}

    def _record(self, name: str) -> dict | None:
        if not JOB_NAME.fullmatch(name):
            return None
        try:
            return self.store.load(name)
        except JobNotFound:
            return None

    def _stream(self, name: str) -> dict | None:
        """The job's one log stream, once its container has written something (as on AWS)."""
        record = self._record(name)
        if record is None:
            return None
        path = self.store.log_path(name)
        try:
            size = path.stat().st_size
        except OSError:
            return None
        if size == 0:
            return None
        millis = _event_time(record)
        stream = f"{name}/{contract.FIRST_HOST}-{_stamp(record)}"
        return {"logStreamName": stream, "creationTime": millis, "firstEventTimestamp": millis,
                "lastEventTimestamp": millis, "lastIngestionTime": millis, "storedBytes": 0,
                "arn": f"arn:aws:logs:::log-group:{LOG_GROUP}:log-stream:{stream}"}

    def _lines(self, name: str) -> list[str]:
        """The complete lines of the job's log (a line still being written waits for its end)."""
        try:
            text = self.store.log_path(name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        lines = text.split("\n")
        return lines[:-1]


def match_pattern(pattern: str):
    """A predicate for CloudWatch Logs' filter pattern term syntax (an empty pattern matches
    every event). JSON and space-delimited patterns (``{ $.x = 1 }``, ``[a, b]``) are refused."""
    pattern = pattern.strip()
    if pattern.startswith(("{", "[")):
        raise InvalidParameterException(
            "smemu's FilterLogEvents supports term patterns (words, \"quoted phrases\", ?any, "
            "-excluded), not JSON or space-delimited patterns.")
    terms = re.findall(r'([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))', pattern)
    required, optional, excluded = [], [], []
    for sign, quoted, word in terms:
        term = quoted.replace('\\"', '"') if quoted else word
        (optional if sign == "?" else excluded if sign == "-" else required).append(term)

    def matches(line: str) -> bool:
        if any(term in line for term in excluded):
            return False
        if optional and not any(term in line for term in optional):
            return False
        return all(term in line for term in required)

    return matches


def _check_group(body: dict) -> None:
    group = body.get("logGroupName")
    if group != LOG_GROUP:
        raise ResourceNotFoundException(f"The specified log group does not exist. smemu keeps "
                                        f"training job logs in {LOG_GROUP}.")


def _stamp(record: dict) -> int:
    return int(record.get("CreationTime") or 0)


def _event_time(record: dict) -> int:
    return int((record.get("CreationTime") or 0) * 1000)


def _limit(value, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= default:
        raise InvalidParameterException(f"limit must be between 1 and {default}.")
    return value


def _token_index(token, kind: str) -> int:
    if token is None:
        return 0
    match = re.fullmatch(rf"{kind}/(\d+)", str(token))
    if not match:
        raise InvalidParameterException("The specified nextToken is invalid.")
    return int(match.group(1))
