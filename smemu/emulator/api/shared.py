"""What every SageMaker API resource of smemu has in common: its ARN, its name, the process that
owns it, and the paging of the List operation that lists it.

* ARNs: ``arn:aws:sagemaker:<region>:<account>:<kind>/<lower-case name>``; the account is the one
  of the request's role ARN, else ``DEFAULT_ACCOUNT``; the region is ``AWS_REGION``, else
  ``AWS_DEFAULT_REGION``, else us-east-1.
* Names: training jobs, models, endpoint configurations, endpoints, variants and transform jobs
  share SageMaker's name pattern; a name is checked before it becomes a file name in the jobs root.
* Reach: a location is ``s3://``/``https://``, or an absolute ``file://`` URI where the server
  allows them; an Environment may not set what steers the host's interpreter or loader.
* Owners: a record made by a process names it by pid; the record is orphaned once that process
  is gone.
* Paging: every List operation pages by key — its token holds the sort key of the last item
  returned and a fingerprint of the filters and order — so items created between two pages
  neither repeat nor push others out, and a token made up or made for another listing is a
  ValidationException.

Imports nothing but the standard library, :mod:`errors` and the request checks' messages, so the runner and the stores use it
without loading the server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from typing import Callable

from smemu.emulator.api.errors import ValidationException
from smemu.emulator.environment import refused_names
from smemu.emulator.request_shapes import Problem, aws_message

DEFAULT_ACCOUNT = "000000000000"
NAME_PATTERN = r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
NAME = re.compile(NAME_PATTERN)
DEFAULT_MAX_RESULTS = 10


# ARNs ---------------------------------------------------------------------------------------------
def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def account_of(role_arn) -> str:
    """The account of a role ARN (``arn:aws:iam::<account>:role/...``), else DEFAULT_ACCOUNT."""
    parts = role_arn.split(":") if isinstance(role_arn, str) else []
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else DEFAULT_ACCOUNT


def arn(kind: str, name: str, account: str = DEFAULT_ACCOUNT) -> str:
    """``kind``: training-job, model, endpoint-config, endpoint, transform-job."""
    return f"arn:aws:sagemaker:{region()}:{account}:{kind}/{name.lower()}"


# request checks -----------------------------------------------------------------------------------
def invalid(member: str, constraint: str) -> ValidationException:
    """The ValidationException for one problem with the request member ``member`` (the API's
    path, e.g. ``environment`` or ``inputDataConfig.1.member.dataSource.s3DataSource.s3Uri``)."""
    return ValidationException(aws_message([Problem(member, constraint)]))


def check_name(body: dict, member: str) -> str:
    """``body[member]``, once it matches SageMaker's name pattern (so it is safe as a file name)."""
    name = body.get(member)
    path = member[0].lower() + member[1:]
    if name is None:
        raise invalid(path, "Member must not be null")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        shown = name if isinstance(name, str) else repr(name)
        raise invalid(path, f"Value '{shown[:100]}' must satisfy regular expression pattern: "
                            f"^{NAME_PATTERN}")
    return name


# what a request may reach on this machine -------------------------------------------------------
def host_variables(environment: dict) -> list[str]:
    """The names in a request's Environment that the process backend does not pass (it passes
    an allow-list: :mod:`smemu.emulator.environment`)."""
    return refused_names(environment)


def check_location(path: str, uri, allow_file_uris: bool) -> None:
    """A ValidationException unless ``uri`` (the request member at API field ``path``) is an
    s3:// or https:// URI, or — when the server allows them — an absolute file:// URI."""
    if not isinstance(uri, str):
        return   # the spec reports the type
    if re.match(r"(s3|https)://", uri):
        return
    shown = f"Value '{uri[:200]}'"
    if not uri.startswith("file://"):
        raise invalid(path, f"{shown} must satisfy regular expression pattern: "
                            f"^(https|s3)://([^/]+)/?(.*)$ (smemu's server also takes absolute "
                            f"file:// URIs unless --no-file-uris).")
    if not allow_file_uris:
        raise invalid(path, f"{shown} is a file:// URI, and this smemu server was started with "
                            f"--no-file-uris: use an s3:// URI.")
    if not uri.startswith("file:///"):
        raise invalid(path, f"{shown} is a relative file:// URI; write the absolute path as "
                            f"file:///path/on/the/server.")


def stop_in_progress(kind: str, status, running, request_stop) -> dict:
    """A Stop*Job answer: nothing to do while Stopping, a ValidationException unless InProgress,
    else ``running.stop()`` when this process runs the job (``running`` is not None) or
    ``request_stop()`` for the process that does (it watches the job's stop file)."""
    if status == "Stopping":
        return {}
    if status != "InProgress":
        raise ValidationException(f"The request was rejected because the {kind} is in status "
                                  f"{status}.")
    if running is not None:
        running.stop()
    else:
        request_stop()
    return {}


# owners -------------------------------------------------------------------------------------------
def process_alive(pid) -> bool:
    """Whether the process ``pid`` (an int, or its text) still runs — or may: a pid of another
    user's process counts as alive."""
    try:
        pid = int(pid)
    except (TypeError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# paging -------------------------------------------------------------------------------------------
def max_results(body: dict, default: int = DEFAULT_MAX_RESULTS) -> int:
    size = body.get("MaxResults", default)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 100:
        raise invalid("maxResults", "Member must have value between 1 and 100")
    return size


def paginate(items: list, body: dict, key: Callable[[dict], tuple], descending: bool,
             operation: str, default_size: int = DEFAULT_MAX_RESULTS) -> tuple[list, str | None]:
    """The page of ``items`` (filtered, and sorted by ``key``, descending or not) that ``body``'s
    NextToken and MaxResults ask for, and the token of the next page (None on the last)."""
    size = max_results(body, default_size)
    fingerprint = _fingerprint(body)
    if body.get("NextToken"):
        after = _read_token(body["NextToken"], fingerprint, operation)
        try:
            items = [item for item in items
                     if (_comparable(key(item)) < after if descending
                         else _comparable(key(item)) > after)]
        except TypeError:
            raise _bad_token(operation) from None
    page = items[:size]
    token = _make_token(_comparable(key(page[-1])), fingerprint) if len(items) > size else None
    return page, token


def _comparable(key: tuple) -> list:
    """The key as JSON keeps it, None sorting first."""
    return [[0, None] if part is None else [1, part] for part in key]


def _fingerprint(body: dict) -> str:
    """Ties a token to the filters and order it was made for."""
    query = {name: value for name, value in body.items() if name not in ("NextToken", "MaxResults")}
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _make_token(after: list, fingerprint: str) -> str:
    raw = json.dumps({"after": after, "query": fingerprint}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _bad_token(operation: str) -> ValidationException:
    return ValidationException(f"Invalid pagination token: pass the NextToken of the previous "
                               f"{operation} answer unchanged.")


def _read_token(token, fingerprint: str, operation: str) -> list:
    try:
        content = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        after, query = content["after"], content["query"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise _bad_token(operation) from None
    if not isinstance(after, list) or not all(
            isinstance(part, list) and len(part) == 2 and part[0] in (0, 1) for part in after):
        raise _bad_token(operation)
    if query != fingerprint:
        raise ValidationException(f"Invalid pagination token: it belongs to a {operation} "
                                  f"request with other filters or another sort order.")
    return after
