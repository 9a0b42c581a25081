"""A tuning job's ``ParameterRanges``, checked against the algorithm's hyperparameter schema and
turned into values a training job gets.

SageMaker's rules (AWS developer guide, "Define Hyperparameter Ranges"; API reference
``ContinuousParameterRange``, ``IntegerParameterRange``, ``ParameterRanges``):

* ``MinValue``/``MaxValue`` are strings; both must be valid values of the hyperparameter, and
  ``MinValue`` may not be above ``MaxValue``;
* ``Logarithmic`` scaling needs ranges above 0; ``ReverseLogarithmic`` continuous ranges within
  [0, 1) only;
* a hyperparameter is tuned once, and is not also a static hyperparameter; at most 30 in all.

Values are handed to training jobs as strings, as SageMaker hands them (integers in digits,
continuous values as Python's shortest round-tripping repr).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from smemu.algorithms.errors import HyperparameterError
from smemu.algorithms.hyperparameters import Auto, Float, Integer, OneOf, Param, Schema

SCALING_TYPES = ("Auto", "Linear", "Logarithmic", "ReverseLogarithmic")
MAX_TUNED = 30
KINDS = {"IntegerParameterRanges": "Integer", "ContinuousParameterRanges": "Continuous",
         "CategoricalParameterRanges": "Categorical"}


@dataclass(frozen=True)
class Range:
    name: str
    kind: str                       # Integer | Continuous | Categorical
    low: float = 0.0
    high: float = 0.0
    values: tuple[str, ...] = ()
    scaling: str = "Auto"

    @property
    def scale(self) -> str:
        """The scale sampled on. ``Auto`` is chosen here (SageMaker does not document how it
        chooses): log scale for ranges above 0 that span two orders of magnitude or more."""
        if self.scaling != "Auto":
            return self.scaling
        if self.kind != "Categorical" and self.low > 0 and self.high / self.low >= 100:
            return "Logarithmic"
        return "Linear"

    def text(self, value) -> str:
        """``value`` as the training job's hyperparameter string."""
        if self.kind == "Integer":
            return str(int(round(value)))
        if self.kind == "Continuous":
            return repr(float(value))
        return str(value)

    # mapping between the range and [0, 1] (Random and Hyperband sample there) ------------------
    def from_unit(self, u: float):
        if self.kind == "Categorical":
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        lo, hi = self.low, self.high
        if self.scale == "Logarithmic":
            value = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        elif self.scale == "ReverseLogarithmic":
            value = 1 - math.exp(math.log(1 - lo) + u * (math.log(1 - hi) - math.log(1 - lo)))
        else:
            value = lo + u * (hi - lo)
        if self.kind == "Integer":
            return int(min(max(math.floor(value + 0.5), lo), hi))
        return min(max(value, lo), hi)

    def api(self) -> dict:
        if self.kind == "Categorical":
            return {"Name": self.name, "Values": list(self.values)}
        return {"Name": self.name, "MinValue": self.text(self.low), "MaxValue": self.text(self.high),
                "ScalingType": self.scaling}


def _kinds(param: Param) -> list[Param]:
    if isinstance(param, Auto):
        return [param.inner]
    if isinstance(param, OneOf):
        return [k for kind in param.kinds for k in _kinds(kind)]
    return [param]


def _numeric(param: Param, kind: str) -> bool:
    inner = _kinds(param)
    if kind == "Integer":
        return any(isinstance(k, Integer) for k in inner)
    return any(isinstance(k, (Float, Integer)) for k in inner)


def parse_ranges(ranges, schema: Schema, static: dict, where: str,
                 problems: list) -> list[Range]:
    """The ranges of ``ranges`` (a ParameterRanges object); each problem is appended to
    ``problems`` as ``(path, message)``."""
    out: list[Range] = []
    if not isinstance(ranges, dict):
        return out
    seen: set[str] = set()
    for member, kind in KINDS.items():
        items = ranges.get(member) or []
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            path = f"{where}.{member}[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
                continue
            name = item["Name"]
            if name in seen:
                problems.append((f"{path}.Name", f"the hyperparameter '{name}' is given more than "
                                 "one range; tune each hyperparameter once."))
                continue
            seen.add(name)
            if name in static:
                problems.append((f"{path}.Name", f"'{name}' is both a static hyperparameter and "
                                 "a tunable one; remove it from StaticHyperParameters."))
            param = schema.params.get(name)
            if param is None:
                problems.append((f"{path}.Name", f"{schema.algorithm} has no hyperparameter "
                                 f"'{name}'; it accepts: {', '.join(sorted(schema.params))}."))
                continue
            made = _one_range(item, kind, param, path, problems)
            if made is not None:
                out.append(made)
    if len(seen) > MAX_TUNED:
        problems.append((where, f"{len(seen)} hyperparameters are tuned; the limit is {MAX_TUNED} "
                         "in all ranges together."))
    return out


def _one_range(item: dict, kind: str, param: Param, path: str, problems: list) -> Range | None:
    name = item["Name"]
    if kind == "Categorical":
        values = item.get("Values")
        if not isinstance(values, list) or not values:
            return None
        bad = [v for v in values if not _valid(param, v)]
        if bad:
            problems.append((f"{path}.Values", f"{', '.join(repr(v) for v in bad)} "
                             f"{'is' if len(bad) == 1 else 'are'} not valid for '{name}': "
                             f"expected {param.allowed}."))
            return None
        return Range(name, kind, values=tuple(str(v) for v in values))
    if not _numeric(param, kind):
        problems.append((f"{path}.Name", f"'{name}' takes {param.allowed}; it cannot be tuned "
                         f"with a {kind}ParameterRange (use "
                         f"{'CategoricalParameterRanges' if not _numeric(param, 'Continuous') else 'ContinuousParameterRanges'})."))
        return None
    scaling = item.get("ScalingType") or "Auto"
    low, high = item.get("MinValue"), item.get("MaxValue")
    numbers = []
    for field, raw in (("MinValue", low), ("MaxValue", high)):
        value = _number(raw, kind)
        if value is None:
            problems.append((f"{path}.{field}", f"{raw!r} is not {'an integer' if kind == 'Integer' else 'a number'}."))
        elif not _valid(param, item[field]):
            problems.append((f"{path}.{field}", f"{raw!r} is outside the valid range of '{name}': "
                             f"expected {param.allowed}."))
            value = None
        numbers.append(value)
    lo, hi = numbers
    if lo is None or hi is None:
        return None
    if lo > hi:
        problems.append((f"{path}.MinValue", f"MinValue {low} is greater than MaxValue {high}."))
        return None
    if scaling == "Logarithmic" and lo <= 0:
        problems.append((f"{path}.ScalingType", "Logarithmic scaling works only for ranges whose "
                         f"values are all greater than 0 (MinValue is {low})."))
        return None
    if scaling == "ReverseLogarithmic":
        if kind == "Integer":
            problems.append((f"{path}.ScalingType", "ReverseLogarithmic scaling works only for "
                             "continuous ranges, not integer ones."))
            return None
        if not (0 <= lo and hi < 1):
            problems.append((f"{path}.ScalingType", "ReverseLogarithmic scaling works only for "
                             f"ranges within 0 <= x < 1 (this one is {low} to {high})."))
            return None
    return Range(name, kind, low=lo, high=hi, scaling=scaling)


def _number(raw, kind: str):
    if not isinstance(raw, str):
        return None
    try:
        value = int(raw) if kind == "Integer" else float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _valid(param: Param, raw) -> bool:
    try:
        param.parse(raw)
        return True
    except HyperparameterError:
        return False
