"""Checking a request against botocore's model of its operation (see :mod:`smemu.emulator.api_model`):
unknown members, required members, types, lengths, ranges, patterns and enums — what the service
checks before it does anything — and the ValidationException message the service answers with.

``check_request(shape, request)`` gives every problem, each with its field path
(``InputDataConfig[0].ChannelName``); ``aws_message(problems)`` is the service's text for them
("2 validation errors detected: Value at 'inputDataConfig.1.member.channelName' failed to satisfy
constraint: ..."). Members that name a location (``S3Uri``, ``S3OutputPath``, ``ModelDataUrl``)
are not held to their ``s3://`` pattern: smemu also takes local ``file://`` URIs there, under the
policy of the caller (``smemu train`` or a server's ``--no-file-uris``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

# members whose API pattern is s3:// (or https://) only; smemu also takes local paths there
URI_MEMBERS = {"S3Uri", "S3OutputPath", "ModelDataUrl"}


@dataclass
class Problem:
    path: str       # e.g. "InputDataConfig[0].DataSource.S3DataSource.S3Uri"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    @property
    def aws_path(self) -> str:
        """The path as the service names it: ``inputDataConfig.1.member.channelName``."""
        out = []
        for part in re.findall(r"[^.\[\]]+|\[\d+\]", self.path):
            if part.startswith("["):
                out.append(f"{int(part[1:-1]) + 1}.member")
            else:
                out.append(part[:1].lower() + part[1:])
        return ".".join(out)




@functools.lru_cache(maxsize=None)
def _pattern(text: str):
    try:
        return re.compile(text)
    except re.error:   # Java-only syntax such as \p{L}: the service checks it, we cannot
        return None


def value_text(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


def _check_shape(shape, value, path: str, problems: list[Problem]) -> None:
    kind = shape["type"]
    meta = shape["meta"]
    if kind == "structure":
        if not isinstance(value, dict):
            problems.append(Problem(path, f"must be an object with members "
                                          f"{', '.join(shape['members'])}."))
            return
        for key in value:
            if key not in shape["members"]:
                problems.append(Problem(_join(path, key), f"unknown parameter; "
                                        f"{path or 'the request'} takes: {', '.join(shape['members'])}."))
        for key in shape["required"]:
            if value.get(key) is None:
                problems.append(Problem(_join(path, key), "Member must not be null (it is required)."))
        for key, member in shape["members"].items():
            if value.get(key) is not None:
                _check_shape(member, value[key], _join(path, key), problems)
        return
    if kind == "list":
        if not isinstance(value, list):
            problems.append(Problem(path, "must be a list."))
            return
        _check_size(len(value), meta, path, problems, "length")
        for i, item in enumerate(value):
            _check_shape(shape["member"], item, f"{path}[{i}]", problems)
        return
    if kind == "map":
        if not isinstance(value, dict):
            problems.append(Problem(path, "must be an object (a map)."))
            return
        _check_size(len(value), meta, path, problems, "length")
        for key, item in value.items():
            _check_shape(shape["key"], key, f"{path}.{key}", problems)
            _check_shape(shape["value"], item, f"{path}.{key}", problems)
        return
    if kind == "string":
        if not isinstance(value, str):
            problems.append(Problem(path, f"Invalid type for parameter, value: {value!r}, type: "
                                          f"{type(value).__name__}, valid types: string. Quote it."))
            return
        _check_size(len(value), meta, path, problems, "length")
        if "enum" in meta and value not in meta["enum"]:
            problems.append(Problem(path, f"Value '{value_text(value)}' must satisfy enum value "
                                          f"set: [{', '.join(meta['enum'])}]."))
        leaf = path.rsplit(".", 1)[-1]
        pattern = meta.get("pattern")
        if pattern and leaf not in URI_MEMBERS:
            compiled = _pattern(pattern)
            if compiled is not None and not compiled.fullmatch(value):
                problems.append(Problem(path, f"Value '{value_text(value)}' must satisfy regular "
                                              f"expression pattern: {pattern}"))
        return
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(Problem(path, f"Invalid type for parameter, value: {value!r}, valid "
                                          "types: integer."))
            return
        _check_size(value, meta, path, problems, "value")
        return
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(Problem(path, f"Invalid type for parameter, value: {value!r}, valid "
                                          "types: number."))
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            problems.append(Problem(path, f"Invalid type for parameter, value: {value!r}, valid "
                                          "types: true or false."))


def _check_size(n: int, meta: dict, path: str, problems: list[Problem], what: str) -> None:
    if "min" in meta and n < meta["min"]:
        problems.append(Problem(path, f"Member must have {what} greater than or equal to {meta['min']}."))
    if "max" in meta and n > meta["max"]:
        problems.append(Problem(path, f"Member must have {what} less than or equal to {meta['max']}."))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def check_request(shape: dict, request: Any) -> list[Problem]:
    """Every problem of ``request`` against the operation's input ``shape``."""
    problems: list[Problem] = []
    _check_shape(shape, request, "", problems)
    return problems


def aws_message(problems: list[Problem]) -> str:
    """A ValidationException message in the service's shape."""
    n = len(problems)
    parts = [f"Value at '{p.aws_path}' failed to satisfy constraint: {p.message}" for p in problems]
    return f"{n} validation error{'s' if n != 1 else ''} detected: " + "; ".join(parts)
