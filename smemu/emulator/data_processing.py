"""A transform job's ``DataProcessing``: ``InputFilter``, ``JoinSource`` and ``OutputFilter``, as
the AWS developer guide page "Associate Prediction Results with Input Records" documents them.

* A CSV record is filtered as the JSON array of its columns (``$[1:]`` drops an id column,
  ``$[0,-1]`` keeps the first and the last); a JSON record as itself (``$.features``).
* ``JoinSource: Input`` joins each record's output to the record as it was *before* the input
  filter: CSV output columns are appended to the CSV input columns; a JSON object input gets the
  output under ``SageMakerOutput`` (a JSON array input gets it appended).
* ``OutputFilter`` selects from the joined (or plain) output record the same way.

JSONPath is evaluated by ``jsonpath-ng`` (its extended syntax: slices, unions, negative indices).
DataProcessing needs ``SplitType: Line`` (one record a line) so that each output line belongs to
one input record, as on SageMaker.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from jsonpath_ng import Fields
from jsonpath_ng.exceptions import JsonPathParserError
from jsonpath_ng.ext import parse

JOIN_SOURCES = ("None", "Input")


class DataProcessingError(Exception):
    """The DataProcessing settings or a record cannot be used; the message says which."""


def _compile(expression: str, member: str):
    try:
        return parse(expression)
    except (JsonPathParserError, Exception) as error:   # jsonpath-ng raises plain Exceptions too
        raise DataProcessingError(f"DataProcessing.{member} {expression!r} is not a JSONPath "
                                  f"expression: {error}") from None


def _select(path, value, where: str):
    matches = path.find(value)
    if not matches:
        raise DataProcessingError(f"the filter selects nothing from {where}")
    if isinstance(value, list):
        if len(matches) == 1 and matches[0].value is value:
            return value
        return [m.value for m in matches]
    if len(matches) == 1:
        return matches[0].value
    if all(isinstance(m.path, Fields) for m in matches):
        return {str(m.path.fields[0]): m.value for m in matches}
    return [m.value for m in matches]


def _csv_fields(line: str) -> list[str]:
    return next(csv.reader([line]), [])


def _csv_line(values) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values if isinstance(values, list) else [values])
    return out.getvalue()


@dataclass
class DataProcessing:
    input_filter: str = "$"
    output_filter: str = "$"
    join_source: str = "None"

    @classmethod
    def from_request(cls, section: dict | None) -> "DataProcessing":
        section = section or {}
        made = cls(section.get("InputFilter") or "$", section.get("OutputFilter") or "$",
                   section.get("JoinSource") or "None")
        if made.join_source not in JOIN_SOURCES:
            raise DataProcessingError(f"DataProcessing.JoinSource is {made.join_source!r}; it "
                                      f"must be one of {', '.join(JOIN_SOURCES)}.")
        made._input = _compile(made.input_filter, "InputFilter")
        made._output = _compile(made.output_filter, "OutputFilter")
        return made

    @property
    def active(self) -> bool:
        return (self.input_filter, self.output_filter, self.join_source) != ("$", "$", "None")

    # input -------------------------------------------------------------------------------------
    def filter_input(self, line: str, is_csv: bool, where: str) -> str:
        if self.input_filter == "$":
            return line
        try:
            if is_csv:
                return _csv_line(_select(self._input, _csv_fields(line), where))
            return json.dumps(_select(self._input, json.loads(line), where))
        except ValueError as error:
            raise DataProcessingError(f"{where} is not a JSON record: {error}") from None

    # output ------------------------------------------------------------------------------------
    def finish(self, source: str, output: str, is_csv: bool, where: str) -> str:
        """The output line of one record: joined with its (unfiltered) input line if asked, then
        the output filter applied."""
        if self.join_source == "Input":
            if is_csv:
                joined: object = _csv_fields(source) + _csv_fields(output)
            else:
                try:
                    record, answer = json.loads(source), json.loads(output)
                except ValueError as error:
                    raise DataProcessingError(f"{where}: joining needs JSON input and output "
                                              f"records ({error}).") from None
                if isinstance(record, dict):
                    joined = {**record, "SageMakerOutput": answer}
                elif isinstance(record, list):
                    joined = record + [answer]
                else:
                    raise DataProcessingError(f"{where}: a JSON record to join with its output "
                                              f"must be an object or an array.")
        elif self.output_filter == "$":
            return output
        else:
            joined = _csv_fields(output) if is_csv else json.loads(output)
        selected = _select(self._output, joined, where)
        return _csv_line(selected) if is_csv else json.dumps(selected)


def output_records(answer: bytes, accept: str | None, count: int, where: str) -> list[str]:
    """The per-record output lines of one response to ``count`` records: its lines (CSV, JSON
    Lines), or the elements of ``predictions`` (JSON)."""
    text = answer.decode("utf-8", "replace")
    if (accept or "").split(";")[0].strip() == "application/json":
        try:
            body = json.loads(text)
        except ValueError as error:
            raise DataProcessingError(f"the answer for {where} is not JSON: {error}") from None
        items = body.get("predictions") if isinstance(body, dict) else body
        lines = [json.dumps(item) for item in (items if isinstance(items, list) else [items])]
    else:
        lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) != count:
        raise DataProcessingError(
            f"the model answered {len(lines)} records for the {count} of {where}, so outputs "
            f"cannot be matched to their inputs; use SplitType Line with one output per record.")
    return lines
