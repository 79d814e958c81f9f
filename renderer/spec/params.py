"""Pydantic field types that accept a constant or a distribution (see ``distributions``).

``Float`` and ``Int`` are numeric parameters; ``Names`` is a weighted choice among strings::

    shapes: star                       # one name
    shapes: [circle, star]             # uniform choice
    shapes: {circle: 3, star: 1}       # weighted choice
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Annotated, Any

import numpy as np
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

from renderer.rng import draw_index, proportional_cdf
from renderer.spec.distributions import (
    Choice,
    Const,
    Dist,
    LogUniform,
    Normal,
    TruncNormal,
    Uniform,
)

_NUMBER_SCHEMA = {"type": "number"}
_DIST_KINDS = ("uniform", "normal", "truncnormal", "loguniform", "randint", "choice")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return float(value)


def _interval(low: Any, high: Any) -> tuple[float, float]:
    lo, hi = _number(low, "lower bound"), _number(high, "upper bound")
    if lo > hi:
        raise ValueError(f"lower bound {_fmt(lo)} > upper bound {_fmt(hi)}")
    return lo, hi


def _fmt(x: float) -> str:
    return str(int(x)) if x == int(x) else repr(x)


def _keys(data: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    missing = [k for k in required if k not in data]
    extra = [k for k in data if k not in (*required, *optional, "dist")]
    if missing:
        raise ValueError(f"{data['dist']} distribution needs {', '.join(missing)}")
    if extra:
        raise ValueError(f"unexpected key(s) {', '.join(extra)} for {data['dist']} distribution")


def parse_dist(value: Any, *, integer: bool = False) -> Dist:
    """Turn any accepted YAML form into a ``Dist``; raises ``ValueError`` with a plain message."""
    if isinstance(value, Dist):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Const(integer, _number(value, "value"))
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ValueError(f"a range is [low, high], got {len(value)} values")
        return Uniform(integer, *_interval(*value))
    if not isinstance(value, dict):
        raise ValueError(f"expected a number, a [low, high] range or a distribution, got {value!r}")
    kind = value.get("dist")
    if kind not in _DIST_KINDS:
        raise ValueError(f"'dist' must be one of {', '.join(_DIST_KINDS)}, got {kind!r}")
    if kind in ("uniform", "randint"):
        _keys(value, ("low", "high"))
        return Uniform(integer or kind == "randint", *_interval(value["low"], value["high"]))
    if kind == "loguniform":
        _keys(value, ("low", "high"))
        lo, hi = _interval(value["low"], value["high"])
        if lo <= 0:
            raise ValueError("loguniform needs low > 0")
        return LogUniform(integer, lo, hi)
    if kind == "normal":
        _keys(value, ("mean", "std"))
        return Normal(integer, _number(value["mean"], "mean"), _std(value["std"]))
    if kind == "truncnormal":
        _keys(value, ("mean", "std", "low", "high"))
        lo, hi = _interval(value["low"], value["high"])
        return TruncNormal(integer, _number(value["mean"], "mean"), _std(value["std"]), lo, hi)
    _keys(value, ("values",), ("weights",))
    values = value["values"]
    if not isinstance(values, list) or not values:
        raise ValueError("choice needs a non-empty list of values")
    numbers = tuple(_number(v, "choice value") for v in values)
    weights = _weights(value.get("weights"), len(numbers))
    return Choice(integer, numbers, weights)


def _std(value: Any) -> float:
    std = _number(value, "std")
    if std < 0:
        raise ValueError(f"std must be >= 0, got {_fmt(std)}")
    return std


def _weights(raw: Any, n: int) -> tuple[float, ...]:
    if raw is None:
        return (1.0,) * n
    if not isinstance(raw, list) or len(raw) != n:
        raise ValueError(f"weights must be a list of {n} numbers")
    weights = tuple(_number(w, "weight") for w in raw)
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("weights must be >= 0 with a positive sum")
    return weights


def _bounded(dist: Dist, ge: float | None, le: float | None) -> Dist:
    if isinstance(dist, Normal):
        return replace(dist, low=ge, high=le)  # unbounded by nature: clip draws to the field
    lo, hi = dist.bounds()
    if ge is not None and lo < ge:
        raise ValueError(f"values must be >= {_fmt(ge)}, got {_fmt(lo)}")
    if le is not None and hi > le:
        raise ValueError(f"values must be <= {_fmt(le)}, got {_fmt(hi)}")
    return dist


_DIST_JSON_SCHEMA = {
    "anyOf": [
        _NUMBER_SCHEMA,
        {"type": "array", "items": _NUMBER_SCHEMA, "minItems": 2, "maxItems": 2},
        {
            "type": "object",
            "properties": {"dist": {"enum": list(_DIST_KINDS)}},
            "required": ["dist"],
        },
    ]
}


def FloatParam(ge: float | None = None, le: float | None = None, integer: bool = False) -> Any:  # noqa: N802
    """Annotated type of a numeric parameter whose whole support lies in ``[ge, le]``."""
    return Annotated[
        Dist,
        PlainValidator(lambda v: _bounded(parse_dist(v, integer=integer), ge, le)),
        PlainSerializer(lambda d: d.to_data()),
        WithJsonSchema(_DIST_JSON_SCHEMA),
    ]


def IntParam(ge: int | None = None, le: int | None = None) -> Any:  # noqa: N802
    """Annotated type of an integer parameter (``[low, high]`` is inclusive)."""
    return FloatParam(ge, le, integer=True)


@dataclass(frozen=True)
class NameChoice:
    """A weighted choice among names (shapes, fonts, blend modes...)."""

    names: tuple[str, ...]
    weights: tuple[float, ...]

    @cached_property
    def _cdf(self) -> tuple[float, ...]:
        return proportional_cdf(self.weights)

    def sample(self, rng: np.random.Generator) -> str:
        if len(self.names) == 1:
            return self.names[0]
        return self.names[draw_index(rng, self._cdf)]

    def to_data(self) -> Any:
        if len(set(self.weights)) == 1:
            return list(self.names)
        return dict(zip(self.names, self.weights, strict=True))


def parse_names(value: Any, allowed: tuple[str, ...] | None = None) -> NameChoice:
    """Parse a name, a list of names or a ``{name: weight}`` mapping."""
    if isinstance(value, NameChoice):
        return value
    if isinstance(value, str):
        names, weights = (value,), (1.0,)
    elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        names, weights = tuple(value), (1.0,) * len(value)
    elif isinstance(value, dict) and value and all(isinstance(k, str) for k in value):
        names = tuple(value)
        weights = _weights(list(value.values()), len(names))
    else:
        raise ValueError(f"expected a name, a list of names or a {{name: weight}} map, got {value!r}")
    if allowed is not None:
        unknown = [n for n in names if n not in allowed]
        if unknown:
            raise ValueError(f"unknown {', '.join(map(repr, unknown))} (known: {', '.join(allowed)})")
    return NameChoice(names, weights)


def NamesParam(allowed: tuple[str, ...] | None = None) -> Any:  # noqa: N802
    """Annotated type of a weighted choice among names (restricted to ``allowed`` if given)."""
    item = {"enum": list(allowed)} if allowed else {"type": "string"}
    return Annotated[
        NameChoice,
        PlainValidator(lambda v: parse_names(v, allowed)),
        PlainSerializer(lambda c: c.to_data()),
        WithJsonSchema({"anyOf": [item, {"type": "array", "items": item},
                                  {"type": "object", "additionalProperties": {"type": "number"}}]}),
    ]
