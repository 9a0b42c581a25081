"""Declarative hyperparameter schemas, shared by every algorithm.

SageMaker hands a container a string-to-string map (``hyperparameters.json``). Each algorithm
declares its hyperparameters once, as a :class:`Schema`; the same declaration

* supplies the defaults the container prints (``Reading default configuration from ...``),
* parses and checks the user's strings into typed values (``Schema.resolve``),
* lists every problem at once for ``smemu validate`` and the API (``Schema.problems``).

Values may also be given as JSON numbers or booleans (some clients send them); they are read
through ``str()`` exactly as SageMaker's SDK would have sent them.
"""

from __future__ import annotations

import difflib
import json
import math
import zlib
from typing import Any, Callable, Iterable, Mapping

from smemu.algorithms.builtin_errors import MISSING_HYPERPARAMETER, UNKNOWN_HYPERPARAMETER
from smemu.algorithms.errors import HyperparameterError

AUTO = "auto"


def _text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "True" if raw else "False"
    return raw if isinstance(raw, str) else str(raw)


class Param:
    """One declared hyperparameter. Subclasses implement ``convert`` and ``allowed``."""

    allowed = "a value"

    def __init__(self, default: str | None = None, *, required: bool = False, doc: str = ""):
        self.default = default
        self.required = required
        self.doc = doc
        self.name = ""  # set by Schema

    def convert(self, text: str) -> Any:
        raise NotImplementedError

    def parse(self, raw: Any) -> Any:
        text = _text(raw).strip()
        try:
            return self.convert(text)
        except (ValueError, TypeError):
            raise HyperparameterError(
                f"Invalid value {_text(raw)!r} for hyperparameter '{self.name}': "
                f"expected {self.allowed}.",
                name=self.name,
            ) from None


class Integer(Param):
    def __init__(self, default=None, *, min: int | None = None, max: int | None = None, **kw):
        super().__init__(default, **kw)
        self.min, self.max = min, max
        if min is not None and max is not None:
            self.allowed = f"an integer from {min} to {max}"
        elif min == 1:
            self.allowed = "a positive integer"
        elif min == 0:
            self.allowed = "a non-negative integer"
        elif min is not None:
            self.allowed = f"an integer >= {min}"
        else:
            self.allowed = "an integer"

    def convert(self, text: str) -> int:
        value = int(text)  # SageMaker's schemas take digits only: "10", not "10.0" or "1e1"
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise ValueError(text)
        return value


class Float(Param):
    def __init__(self, default=None, *, min: float | None = None, max: float | None = None,
                 min_open: bool = False, max_open: bool = False, **kw):
        super().__init__(default, **kw)
        self.min, self.max, self.min_open, self.max_open = min, max, min_open, max_open
        lo = None if min is None else ("(" if min_open else "[") + f"{min:g}"
        hi = None if max is None else f"{max:g}" + (")" if max_open else "]")
        if lo and hi:
            self.allowed = f"a number in {lo}, {hi}"
        elif lo:
            self.allowed = f"a number {'>' if min_open else '>='} {min:g}"
        elif hi:
            self.allowed = f"a number {'<' if max_open else '<='} {max:g}"
        else:
            self.allowed = "a number"

    def convert(self, text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(text)
        if self.min is not None and (value < self.min or (self.min_open and value == self.min)):
            raise ValueError(text)
        if self.max is not None and (value > self.max or (self.max_open and value == self.max)):
            raise ValueError(text)
        return value


class Choice(Param):
    def __init__(self, options: Iterable[str], default=None, **kw):
        super().__init__(default, **kw)
        self.options = tuple(options)
        self.allowed = "one of " + ", ".join(repr(o) for o in self.options)

    def convert(self, text: str) -> str:
        if text in self.options:
            return text
        lowered = {o.lower(): o for o in self.options}
        if text.lower() in lowered:
            return lowered[text.lower()]
        raise ValueError(text)


class Boolean(Param):
    allowed = "'true' or 'false' (any case)"

    def convert(self, text: str) -> bool:
        low = text.lower()
        if low in ("true", "1"):
            return True
        if low in ("false", "0"):
            return False
        raise ValueError(text)


class Auto(Param):
    """``auto`` or a value of the wrapped kind; ``auto`` parses to the string ``"auto"``."""

    def __init__(self, inner: Param, default=AUTO, **kw):
        super().__init__(default, **kw)
        self.inner = inner
        self.allowed = f"'auto' or {inner.allowed}"

    def convert(self, text: str) -> Any:
        if text.lower() == AUTO:
            return AUTO
        return self.inner.convert(text)


class OneOf(Param):
    """A value accepted by any of several kinds (e.g. ``1.0`` or ``balanced``)."""

    def __init__(self, *kinds: Param, default=None, **kw):
        super().__init__(default, **kw)
        self.kinds = kinds
        self.allowed = " or ".join(k.allowed for k in kinds)

    def convert(self, text: str) -> Any:
        for kind in self.kinds:
            try:
                return kind.convert(text)
            except (ValueError, TypeError):
                continue
        raise ValueError(text)


class JsonList(Param):
    """A JSON list of strings drawn from ``options``, e.g. ``'["msd", "ssd"]'``."""

    def __init__(self, options: Iterable[str], default=None, **kw):
        super().__init__(default, **kw)
        self.options = tuple(options)
        self.allowed = "a JSON list drawn from " + ", ".join(json.dumps(o) for o in self.options)

    def convert(self, text: str) -> list[str]:
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            # SageMaker users sometimes send a Python repr: ['msd']
            value = json.loads(text.replace("'", '"'))
        if not isinstance(value, list) or not value or any(v not in self.options for v in value):
            raise ValueError(text)
        return value


class Text(Param):
    allowed = "a string"

    def convert(self, text: str) -> str:
        return text


class IntegerList(Text):
    """Comma-separated positive integers (``lr_scheduler_step``: ``"10,20"``)."""

    allowed = "comma-separated positive integers, e.g. '10,20'"

    def convert(self, text: str) -> list[int]:
        values = [int(p) for p in text.split(",")]
        if not values or min(values) < 1:
            raise ValueError(text)
        return values


class Config(dict):
    """Typed hyperparameter values; ``raw`` keeps the final string map, as the container prints it."""

    def __init__(self, values: Mapping[str, Any], raw: Mapping[str, str]):
        super().__init__(values)
        self.raw = dict(raw)

    def seed(self, keys: Iterable[str]) -> int:
        """A fixed random seed derived from the values of ``keys`` alone (the hyperparameters that
        shape the model): same data + same hyperparameters = same model."""
        shown = {key: self.raw.get(key) for key in keys}
        return zlib.crc32(json.dumps(shown, sort_keys=True).encode())


Check = Callable[[Config], None]


class Wording:
    """How a schema words its three generic problems. This default is the MXNet-based built-ins'
    (k-means, linear learner); an algorithm whose container words them otherwise (XGBoost's
    ``Extraneous hyperparameter found: ...``) passes its own subclass to :class:`Schema`."""

    def unknown(self, schema: "Schema", key: str) -> str:
        hint = difflib.get_close_matches(key, list(schema.params), n=1)
        suggestion = f"Did you mean '{hint[0]}'? " if hint else ""
        return UNKNOWN_HYPERPARAMETER.say(
            f"{suggestion}{schema.algorithm} accepts: {', '.join(sorted(schema.params))}.",
            name=key)

    def missing(self, schema: "Schema", names: list[str]) -> str:
        quoted = ", ".join(f"'{n}'" for n in names)
        return MISSING_HYPERPARAMETER.say(
            f"{schema.algorithm} requires them: set them in HyperParameters and try again.",
            names=quoted)

    def invalid(self, param: Param, raw: str, error: HyperparameterError) -> str:
        return str(error)


class Schema:
    """An algorithm's hyperparameters: declared once, used by the container, ``validate`` and the API.

    ``aliases`` maps other names users may give (``learning_rate``) to the declared one (``eta``);
    ``wording`` words the generic problems as the algorithm's container does (see :class:`Wording`).
    """

    def __init__(self, algorithm: str, params: Mapping[str, Param], *,
                 checks: Iterable[Check] = (), private: Mapping[str, str] | None = None,
                 tolerated: Iterable[str] = (), aliases: Mapping[str, str] | None = None,
                 wording: Wording | None = None):
        self.algorithm = algorithm
        self.params = dict(params)
        for name, param in self.params.items():
            param.name = name
        self.checks = tuple(checks)
        # Underscore-prefixed settings the real containers carry in their defaults; any other
        # underscore key (e.g. _tuning_objective_metric set by automatic model tuning) is accepted too.
        self.private = dict(private or {})
        self.tolerated = set(tolerated)
        self.aliases = dict(aliases or {})
        self.wording = wording or Wording()

    @property
    def required(self) -> list[str]:
        return [n for n, p in self.params.items() if p.required]

    def defaults(self) -> dict[str, str]:
        """The container's default configuration, as strings (what default-input.json holds)."""
        out = {n: p.default for n, p in self.params.items() if p.default is not None}
        out.update(self.private)
        return out

    def problems(self, provided: Mapping[str, Any]) -> list[HyperparameterError]:
        """Every problem with ``provided``, in a stable order; empty when it resolves cleanly."""
        try:
            self.resolve(provided, _collect := [])
        except HyperparameterError:
            pass
        return _collect

    def resolve(self, provided: Mapping[str, Any], _collect: list | None = None) -> Config:
        """Merge ``provided`` over the defaults, parse every value and run the cross-checks.

        Raises the first :class:`HyperparameterError` (all of them are gathered into ``_collect``
        when a list is passed).
        """
        errors: list[HyperparameterError] = [] if _collect is None else _collect
        provided = {self.aliases.get(k, k): v for k, v in provided.items()}
        unknown = [k for k in provided
                   if k not in self.params and not k.startswith("_") and k not in self.tolerated]
        for key in unknown:
            errors.append(HyperparameterError(self.wording.unknown(self, key), name=key))
        missing = [n for n in self.required if n not in provided or _text(provided[n]).strip() == ""]
        if missing:
            errors.append(HyperparameterError(self.wording.missing(self, missing),
                                              name=missing[0]))
        raw = self.defaults()
        raw.update({k: _text(v) for k, v in provided.items()})
        values: dict[str, Any] = {}
        for name, param in self.params.items():
            if name not in raw or name in missing:
                values[name] = None
                continue
            try:
                values[name] = param.parse(raw[name])
            except HyperparameterError as exc:
                errors.append(HyperparameterError(self.wording.invalid(param, raw[name], exc),
                                                  name=name))
                values[name] = None
        for key in raw:
            if key not in self.params:
                values[key] = raw[key]
        config = Config(values, raw)
        if not errors:
            for check in self.checks:
                try:
                    check(config)
                except HyperparameterError as exc:
                    errors.append(exc)
        if errors:
            raise errors[0]
        return config


def require(condition: bool, message: str, name: str | None = None) -> None:
    """For cross-checks: raise a :class:`HyperparameterError` with ``message`` unless ``condition``."""
    if not condition:
        raise HyperparameterError(message, name=name)
