"""Distributions over numeric spec parameters.

Wherever the spec takes a number it also takes a distribution. Accepted YAML forms::

    scale: 0.2                                   # constant
    scale_range: [0.1, 0.3]                      # uniform on [low, high] (integers: inclusive range)
    scale: {dist: uniform, low: 0.1, high: 0.3}
    scale: {dist: normal, mean: 0.2, std: 0.05}
    scale: {dist: truncnormal, mean: 0.2, std: 0.1, low: 0.05, high: 0.4}
    scale: {dist: loguniform, low: 0.01, high: 1.0}
    count: {dist: randint, low: 1, high: 5}      # inclusive
    count: {dist: choice, values: [1, 2, 8], weights: [3, 2, 1]}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from statistics import NormalDist
from typing import Any

import numpy as np

from renderer.rng import draw_index, proportional_cdf


@dataclass(frozen=True)
class Dist:
    """Base of all distributions: draw with ``sample``, search with ``bounds``."""

    integer: bool

    def sample(self, rng: np.random.Generator) -> float | int:
        raise NotImplementedError

    def bounds(self) -> tuple[float, float]:
        """Smallest interval holding (almost) all the mass; used by tuning and ablation."""
        raise NotImplementedError

    def center(self) -> float:
        """A representative value (the narrowest setting used by ablations)."""
        lo, hi = self.bounds()
        return (lo + hi) / 2

    def to_data(self) -> Any:
        """The YAML/JSON form this distribution was (or could have been) written in."""
        raise NotImplementedError

    def _cast(self, value: float) -> float | int:
        return int(round(value)) if self.integer else float(value)


@dataclass(frozen=True)
class Const(Dist):
    value: float

    def sample(self, rng: np.random.Generator) -> float | int:
        return self._cast(self.value)

    def bounds(self) -> tuple[float, float]:
        return (self.value, self.value)

    def to_data(self) -> Any:
        return self._cast(self.value)


@dataclass(frozen=True)
class Uniform(Dist):
    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float | int:
        if self.integer:
            return int(rng.integers(int(self.low), int(self.high), endpoint=True))
        # numpy's uniform() is exactly low + (high - low) * random(); written out it is 3x
        # faster, and a plan draws about 90 of these
        return self.low + (self.high - self.low) * rng.random()

    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    def to_data(self) -> Any:
        return [self._cast(self.low), self._cast(self.high)]


@dataclass(frozen=True)
class Normal(Dist):
    """A normal distribution; ``low``/``high`` are the limits of the field it fills (not part of
    its YAML form): draws are clipped to them, so a tail never leaves the field's valid range."""

    mean: float
    std: float
    low: float | None = None
    high: float | None = None

    def sample(self, rng: np.random.Generator) -> float | int:
        value = float(rng.normal(self.mean, self.std))
        if self.low is not None:
            value = max(value, self.low)
        if self.high is not None:
            value = min(value, self.high)
        return self._cast(value)

    def bounds(self) -> tuple[float, float]:
        lo, hi = self.mean - 3 * self.std, self.mean + 3 * self.std
        if self.low is not None:
            lo, hi = max(lo, self.low), max(hi, self.low)
        if self.high is not None:
            lo, hi = min(lo, self.high), min(hi, self.high)
        return (lo, hi)

    def center(self) -> float:
        lo, hi = self.bounds()
        return min(max(self.mean, lo), hi)

    def to_data(self) -> Any:
        return {"dist": "normal", "mean": self.mean, "std": self.std}


@dataclass(frozen=True)
class TruncNormal(Dist):
    mean: float
    std: float
    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float | int:
        # Inverse-CDF sampling keeps one uniform draw per value (no rejection loop, no hang).
        if self.std == 0:
            return self._cast(min(max(self.mean, self.low), self.high))
        a = _normal_cdf((self.low - self.mean) / self.std)
        b = _normal_cdf((self.high - self.mean) / self.std)
        u = rng.uniform(a, b)
        value = self.mean + self.std * _normal_ppf(u)
        return self._cast(min(max(value, self.low), self.high))

    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    def center(self) -> float:
        return min(max(self.mean, self.low), self.high)

    def to_data(self) -> Any:
        return {"dist": "truncnormal", "mean": self.mean, "std": self.std,
                "low": self.low, "high": self.high}


@dataclass(frozen=True)
class LogUniform(Dist):
    low: float
    high: float

    def sample(self, rng: np.random.Generator) -> float | int:
        return self._cast(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    def center(self) -> float:
        return math.sqrt(self.low * self.high)

    def to_data(self) -> Any:
        return {"dist": "loguniform", "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Choice(Dist):
    values: tuple[float, ...]
    weights: tuple[float, ...]

    @cached_property
    def _cdf(self) -> tuple[float, ...]:
        return proportional_cdf(self.weights)

    def sample(self, rng: np.random.Generator) -> float | int:
        return self._cast(self.values[draw_index(rng, self._cdf)])

    def bounds(self) -> tuple[float, float]:
        return (min(self.values), max(self.values))

    def center(self) -> float:
        return self.values[int(np.argmax(self.weights))]

    def to_data(self) -> Any:
        return {"dist": "choice", "values": list(self.values), "weights": list(self.weights)}


def _normal_cdf(z: float) -> float:
    return _STANDARD_NORMAL.cdf(z)


def _normal_ppf(p: float) -> float:
    return _STANDARD_NORMAL.inv_cdf(min(max(p, 1e-12), 1 - 1e-12))


_STANDARD_NORMAL = NormalDist()
