"""The one error the formats layer raises for bad input, and how it names a place in a file."""

from __future__ import annotations


def describe_location(source: str | None, *, record: int | None = None, offset: int | None = None,
                      line: int | None = None, column: int | None = None) -> str:
    """``record 1203 (byte offset 88112) of file train/part-1.pbr`` or ``line 17, column 3 of file
    train.csv``; the parts that are unknown are left out."""
    parts = []
    if record is not None:
        parts.append(f"record {record}" + (f" (byte offset {offset})" if offset is not None else ""))
    elif line is not None:
        parts.append(f"line {line}" + (f", column {column}" if column is not None else ""))
    elif offset is not None:
        parts.append(f"byte offset {offset}")
    if not source:
        return parts[0] if parts else ""
    return f"{parts[0]} of file {source}" if parts else f"file {source}"


class FormatError(Exception):
    """Input data that cannot be read. ``str()`` is a full sentence naming the file, the record or
    line (and byte offset) and what to do; the attributes give the same facts to programs."""

    def __init__(self, problem: str, hint: str = "", *, source: str | None = None,
                 record: int | None = None, offset: int | None = None, line: int | None = None,
                 column: int | None = None):
        self.problem = problem
        self.hint = hint
        self.source = source
        self.record = record
        self.offset = offset
        self.line = line
        self.column = column
        where = describe_location(source, record=record, offset=offset, line=line, column=column)
        problem = problem.rstrip(".")
        message = f"{where[0].upper()}{where[1:]}: {problem}." if where else \
            f"{problem[0].upper()}{problem[1:]}."
        if hint:
            message += f" {hint.rstrip('.')}."
        super().__init__(message)
