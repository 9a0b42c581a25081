"""ListTrainingJobs: filters, sort order and NextToken pagination over job summaries.

Pagination is by key, not by offset: the token holds the sort key and name of the last job
returned, so jobs created between two pages neither repeat nor push others out of the listing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re

from smemu.emulator.api.errors import ValidationException

STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped", "Deleting")
SORT_KEYS = {"Name": "TrainingJobName", "CreationTime": "CreationTime", "Status": "TrainingJobStatus"}
SORT_ORDERS = ("Ascending", "Descending")
DEFAULT_MAX_RESULTS = 10
NAME_CONTAINS = re.compile(r"[a-zA-Z0-9\-]+")
TIME_FILTERS = {"CreationTimeAfter": ("CreationTime", ">"), "CreationTimeBefore": ("CreationTime", "<"),
                "LastModifiedTimeAfter": ("LastModifiedTime", ">"),
                "LastModifiedTimeBefore": ("LastModifiedTime", "<")}
SUMMARY_FIELDS = ("TrainingJobName", "TrainingJobArn", "CreationTime", "TrainingEndTime",
                  "LastModifiedTime", "TrainingJobStatus", "SecondaryStatus", "WarmPoolStatus")


def epoch(value, field: str = "timestamp") -> float:
    """Epoch seconds from what botocore sends (a number) or an ISO 8601 string or a datetime."""
    if isinstance(value, bool):
        raise ValidationException(f"Value {value!r} at '{field}' is not a valid timestamp.")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).timestamp()
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            return epoch(dt.datetime.fromisoformat(value.replace("Z", "+00:00")), field)
        except ValueError:
            pass
    raise ValidationException(f"Value {value!r} at '{field}' is not a valid timestamp: send epoch "
                              f"seconds or an ISO 8601 date-time.")


def list_training_jobs(summaries: list[dict], request: dict) -> dict:
    """Answer a ListTrainingJobs request over ``summaries`` (DescribeTrainingJob-shaped dicts whose
    timestamps are epoch seconds)."""
    max_results = request.get("MaxResults", DEFAULT_MAX_RESULTS)
    if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= 100:
        raise ValidationException(f"Value {max_results!r} at 'maxResults' failed to satisfy "
                                  f"constraint: Member must have value between 1 and 100")
    sort_by = request.get("SortBy", "CreationTime")
    if sort_by not in SORT_KEYS:
        raise ValidationException(f"Value {sort_by!r} at 'sortBy' failed to satisfy constraint: "
                                  f"Member must satisfy enum value set: [{', '.join(SORT_KEYS)}]")
    sort_order = request.get("SortOrder", "Descending")
    if sort_order not in SORT_ORDERS:
        raise ValidationException(f"Value {sort_order!r} at 'sortOrder' failed to satisfy constraint: "
                                  f"Member must satisfy enum value set: [{', '.join(SORT_ORDERS)}]")
    status = request.get("StatusEquals")
    if status is not None and status not in STATUSES:
        raise ValidationException(f"Value {status!r} at 'statusEquals' failed to satisfy constraint: "
                                  f"Member must satisfy enum value set: [{', '.join(STATUSES)}]")
    contains = request.get("NameContains")
    if contains is not None and (not isinstance(contains, str) or len(contains) > 63
                                 or not NAME_CONTAINS.fullmatch(contains)):
        raise ValidationException(f"Value {contains!r} at 'nameContains' failed to satisfy "
                                  f"constraint: Member must satisfy regular expression pattern: "
                                  f"[a-zA-Z0-9\\-]+")
    bounds = [(field, op, epoch(request[name], name[0].lower() + name[1:]))
              for name, (field, op) in TIME_FILTERS.items() if request.get(name) is not None]
    warm_pool = request.get("WarmPoolStatusEquals")

    def wanted(job: dict) -> bool:
        if status and job.get("TrainingJobStatus") != status:
            return False
        if contains and contains.lower() not in job["TrainingJobName"].lower():
            return False
        if warm_pool and (job.get("WarmPoolStatus") or {}).get("Status") != warm_pool:
            return False
        for field, op, bound in bounds:
            value = job.get(field)
            if value is None or (value <= bound if op == ">" else value >= bound):
                return False
        return True

    field = SORT_KEYS[sort_by]

    def key(job: dict) -> tuple:
        return (job.get(field), job["TrainingJobName"])

    descending = sort_order == "Descending"
    jobs = sorted(filter(wanted, summaries), key=key, reverse=descending)
    fingerprint = _fingerprint(request)
    if request.get("NextToken"):
        after = _read_token(request["NextToken"], fingerprint)
        jobs = [job for job in jobs if (key(job) < after if descending else key(job) > after)]
    page = jobs[:max_results]
    answer = {"TrainingJobSummaries": [
        {name: job[name] for name in SUMMARY_FIELDS if job.get(name) is not None} for job in page]}
    if len(jobs) > max_results:
        answer["NextToken"] = _make_token(key(page[-1]), fingerprint)
    return answer


def _fingerprint(request: dict) -> str:
    """Ties a token to the filters and order it was made for."""
    query = {name: value for name, value in request.items() if name not in ("NextToken", "MaxResults")}
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _make_token(after: tuple, fingerprint: str) -> str:
    raw = json.dumps({"after": list(after), "query": fingerprint}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _read_token(token, fingerprint: str) -> tuple:
    try:
        content = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        after, query = tuple(content["after"]), content["query"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise ValidationException("Invalid pagination token: pass the NextToken of the previous "
                                  "ListTrainingJobs answer unchanged.") from None
    if query != fingerprint or len(after) != 2:
        raise ValidationException("Invalid pagination token: it belongs to a ListTrainingJobs "
                                  "request with other filters or another sort order.")
    return after
