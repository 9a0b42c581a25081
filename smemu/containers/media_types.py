"""Content types of /invocations requests and responses, and the HTTP errors of a bad request.

``text/csv; label_size=0``, ``Text/CSV`` and ``text/csv;charset=utf-8`` are one media type with
parameters; Accept headers may list several (``application/json, */*;q=0.8``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CSV = "text/csv"
JSON = "application/json"
JSONLINES = "application/jsonlines"
RECORDIO_PROTOBUF = "application/x-recordio-protobuf"
LIBSVM = "text/libsvm"

# what clients also send for these (the SDK's JSONLinesSerializer says application/jsonlines;
# others say application/x-jsonlines or application/json-lines)
_ALIASES = {
    "application/x-jsonlines": JSONLINES,
    "application/json-lines": JSONLINES,
    "application/jsonl": JSONLINES,
    "text/x-csv": CSV,
    "application/x-recordio": RECORDIO_PROTOBUF,
    "text/x-libsvm": LIBSVM,
}


class InvocationError(Exception):
    """A request the container refuses: ``status`` is the HTTP status, ``str()`` says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class MediaType:
    essence: str                                   # "text/csv", lower case, aliases resolved
    params: dict = field(default_factory=dict)     # {"label_size": "0"}, names lower case

    @classmethod
    def parse(cls, value: str) -> "MediaType":
        parts = [part.strip() for part in value.split(";")]
        essence = parts[0].lower()
        params = {}
        for part in parts[1:]:
            name, _, val = part.partition("=")
            if name.strip():
                params[name.strip().lower()] = val.strip().strip('"')
        return cls(_ALIASES.get(essence, essence), params)


def choose_accept(header: str | None, offered: tuple[str, ...], default: str) -> str:
    """The first type in the Accept ``header`` that is ``offered``; ``default`` when there is no
    header or it allows anything (``*/*``). An InvocationError (406) when it allows nothing
    offered."""
    if not header or not header.strip():
        return default
    for item in header.split(","):
        if not item.strip():
            continue
        media = MediaType.parse(item)
        if media.essence in ("*/*", "*"):
            return default
        if media.essence in offered:
            return media.essence
        major = media.essence.split("/")[0]
        if media.essence.endswith("/*"):
            for candidate in offered:
                if candidate.startswith(major + "/"):
                    return candidate
    raise InvocationError(
        406, f"The Accept type {header.strip()!r} is not supported. "
             f"Accept one of: {', '.join(offered)}.")


def accept_params(header: str | None, essence: str) -> dict:
    """The parameters the Accept ``header`` gives the type ``essence`` it was answered with
    (``{"verbose": "true"}`` for ``application/json; verbose=true``); empty when none."""
    for item in (header or "").split(","):
        if item.strip():
            media = MediaType.parse(item)
            if media.essence == essence:
                return media.params
    return {}
