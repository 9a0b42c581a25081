"""The List operations: filters (NameContains, StatusEquals, the time bounds), sort order and
NextToken pagination (by key, :func:`smemu.emulator.api.shared.paginate`) over Describe-shaped
records.
"""

from __future__ import annotations

import datetime as dt

from smemu.emulator.api.errors import ValidationException
from smemu.emulator.api.shared import paginate

SORT_KEYS = {"Name": "TrainingJobName", "CreationTime": "CreationTime", "Status": "TrainingJobStatus"}
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


def time_bounds(body: dict, filters: dict = TIME_FILTERS) -> list[tuple[str, str, float]]:
    """(record field, ">" or "<", epoch seconds) of the time filters ``body`` sets."""
    return [(field, op, epoch(body[name], name[0].lower() + name[1:]))
            for name, (field, op) in filters.items() if body.get(name) is not None]


def within(record: dict, bounds) -> bool:
    for field, op, bound in bounds:
        value = record.get(field)
        if value is None or (value <= bound if op == ">" else value >= bound):
            return False
    return True


def listing(records: list[dict], body: dict, member: str, fields: tuple, name_field: str,
            sort_fields: dict, operation: str, status_field: str | None = None,
            default_sort: str = "CreationTime") -> dict:
    """A List operation's answer over ``records`` (Describe-shaped dicts, times in epoch
    seconds): NameContains, StatusEquals, the time bounds, SortBy/SortOrder, and a page of
    ``member`` summaries holding ``fields`` with the NextToken of the next page."""
    contains = body.get("NameContains")
    status = body.get("StatusEquals")
    bounds = time_bounds(body)

    def wanted(record: dict) -> bool:
        if contains and str(contains).lower() not in record[name_field].lower():
            return False
        if status and status_field and record.get(status_field) != status:
            return False
        return within(record, bounds)

    field = sort_fields.get(body.get("SortBy", default_sort), sort_fields[default_sort])

    def key(record: dict) -> tuple:
        return (record.get(field), record[name_field])

    def sortable(record: dict) -> tuple:
        return tuple((0, 0) if part is None else (1, part) for part in key(record))

    descending = body.get("SortOrder", "Descending") == "Descending"
    records = sorted(filter(wanted, records), key=sortable, reverse=descending)
    page, token = paginate(records, body, key, descending, operation)
    answer = {member: [{f: r[f] for f in fields if r.get(f) is not None} for r in page]}
    if token:
        answer["NextToken"] = token
    return answer


def list_training_jobs(summaries: list[dict], request: dict) -> dict:
    """Answer a ListTrainingJobs request over ``summaries`` (DescribeTrainingJob-shaped dicts whose
    timestamps are epoch seconds). Its members' types, ranges and enums were checked against the
    API's model at dispatch."""
    warm_pool = request.get("WarmPoolStatusEquals")
    if warm_pool:
        summaries = [job for job in summaries
                     if (job.get("WarmPoolStatus") or {}).get("Status") == warm_pool]
    return listing(summaries, request, "TrainingJobSummaries", SUMMARY_FIELDS, "TrainingJobName",
                   SORT_KEYS, "ListTrainingJobs", status_field="TrainingJobStatus")
