"""The search space of ``synth tune``, read off the spec: every range the spec randomizes.

Each non-constant distribution is tuned in its own family, by where it sits and how wide it is:

- ``[lo, hi]`` (uniform / randint): centre and width, giving ``[c - w/2, c + w/2]``;
- loguniform: centre and width in log space;
- normal / truncnormal: mean and standard deviation (a truncnormal keeps its truncation bounds).

Bounds: a range moves within its declared bounds, widened ``expand`` times around their centre
and clipped to the field's validator limits; ``search: {path: [low, high]}`` in the experiment
(or ``--search path=low:high``) replaces them. Weighted choices are not tuned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from renderer.experiments.knobs import Knob
from renderer.spec.distributions import LogUniform, Normal, TruncNormal, Uniform

SIGNIFICANT_DIGITS = 6
LOG_FLOOR = 1e-6  # smallest lower bound of a log-space search when the field allows 0


def _round(value: float) -> float:
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(round(value, SIGNIFICANT_DIGITS - int(math.floor(math.log10(abs(value)))) - 1))


@dataclass(frozen=True)
class TunedRange:
    """One tuned field: its knob, its family and where it may move.

    Attributes:
        knob: the field (path, readable name, current distribution, validator limits).
        family: ``uniform``, ``loguniform``, ``normal`` or ``truncnormal``.
        bounds: (low, high) the range (or the mean) stays within.
    """

    knob: Knob
    family: str
    bounds: tuple[float, float]

    @property
    def integer(self) -> bool:
        """Whether the field takes integers."""
        return bool(self.knob.value.integer)  # type: ignore[union-attr]

    def _space(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """Optuna ranges of the two numbers (where, how wide)."""
        lo, hi = self.bounds
        if self.family == "loguniform":
            lo, hi = math.log(lo), math.log(hi)
        spread = hi - lo
        if self.family in ("normal", "truncnormal"):
            return (lo, hi), (0.0, spread / 2)
        return (lo, hi), (0.0, spread)

    def names(self) -> tuple[str, str]:
        """Optuna parameter names of the two numbers."""
        second = "std" if self.family in ("normal", "truncnormal") else "width"
        first = "mean" if second == "std" else "centre"
        return f"{self.knob.path}:{first}", f"{self.knob.path}:{second}"

    def suggest(self, trial: Any) -> Any:
        """Ask an Optuna trial for the two numbers; return the field's new spec value."""
        (a_lo, a_hi), (b_lo, b_hi) = self._space()
        first, second = self.names()
        return self.value(trial.suggest_float(first, a_lo, a_hi),
                          trial.suggest_float(second, b_lo, b_hi))

    def value(self, where: float, spread: float) -> Any:
        """The spec value (YAML form) of centre/mean ``where`` and width/std ``spread``."""
        lo, hi = self.bounds
        if self.family == "normal":
            return {"dist": "normal", "mean": _round(where), "std": _round(spread)}
        if self.family == "truncnormal":
            return {"dist": "truncnormal", "mean": _round(where), "std": _round(spread),
                    "low": lo, "high": hi}
        low, high = where - spread / 2, where + spread / 2
        if self.family == "loguniform":
            low, high = math.exp(low), math.exp(high)
            return {"dist": "loguniform", "low": _round(max(low, lo)),
                    "high": _round(min(high, hi))}
        low, high = max(low, lo), min(high, hi)
        if self.integer:
            low_i, high_i = int(round(low)), int(round(high))
            return [low_i, max(low_i, high_i)]
        return [_round(low), _round(max(low, high))]

    def start(self) -> dict[str, float]:
        """The Optuna parameters of the spec's own distribution (clipped into the space)."""
        dist = self.knob.value
        if isinstance(dist, Normal | TruncNormal):
            where, spread = dist.mean, dist.std
        elif isinstance(dist, LogUniform):
            where = (math.log(dist.low) + math.log(dist.high)) / 2
            spread = math.log(dist.high) - math.log(dist.low)
        else:
            low, high = dist.bounds()
            where, spread = (low + high) / 2, high - low
        (a_lo, a_hi), (b_lo, b_hi) = self._space()
        first, second = self.names()
        return {first: min(max(where, a_lo), a_hi), second: min(max(spread, b_lo), b_hi)}


def _family(knob: Knob) -> str | None:
    dist = knob.value
    for cls, name in ((TruncNormal, "truncnormal"), (Normal, "normal"),
                      (LogUniform, "loguniform"), (Uniform, "uniform")):
        if isinstance(dist, cls):
            return name
    return None


def _bounds(knob: Knob, family: str, expand: float,
            override: tuple[float, float] | None) -> tuple[float, float]:
    lo_limit, hi_limit = knob.limits
    if override is not None:
        lo, hi = override
    else:
        lo, hi = knob.value.bounds()  # type: ignore[union-attr]
        half = (hi - lo) * expand / 2
        lo, hi = (lo + hi) / 2 - half, (lo + hi) / 2 + half
    lo, hi = max(lo, lo_limit), min(hi, hi_limit)
    if family == "loguniform":
        lo = max(lo, LOG_FLOOR)
    return lo, max(lo, hi)


def search_space(knobs: list[Knob], expand: float = 1.0,
                 overrides: dict[str, tuple[float, float]] | None = None,
                 only: list[str] | None = None) -> list[TunedRange]:
    """The tuned ranges: every non-constant numeric knob (or the paths in ``only``).

    Raises:
        ValueError: an override or ``only`` path names no tunable range of the spec.
    """
    overrides = overrides or {}
    tunable = {k.path: (k, family) for k in knobs
               if not k.constant and (family := _family(k)) is not None}
    wanted = list(only) if only else list(tunable)
    unknown = [p for p in [*wanted, *overrides] if p not in tunable]
    if unknown:
        raise ValueError(f"search: {', '.join(unknown)} is not a non-constant range of the spec "
                         f"(tunable: {', '.join(tunable) or 'none'})")
    return [TunedRange(knob, family, _bounds(knob, family, expand, overrides.get(path)))
            for path in wanted for knob, family in [tunable[path]]]


def spec_values(ranges: list[TunedRange], params: dict[str, float]) -> dict[str, Any]:
    """Spec values (path -> YAML value) of a trial's Optuna parameters."""
    return {r.knob.path: r.value(*(params[n] for n in r.names())) for r in ranges}
