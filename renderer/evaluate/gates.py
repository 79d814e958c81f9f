"""CI gates: ``synth eval ... --fail-above kid=0.05,c2st_auc=0.8`` fails when a metric exceeds its
threshold.

Gate names are the distance-like headline numbers of the result's ``summary`` (larger = further
from real): ``fid``, ``kid``, ``c2st_auc``, ``tstr_gap``. A suffix picks the interval end instead
of the point estimate: ``kid.ci_low=0.01`` fails only when even the lower end of KID's interval is
above 0.01 (the gap is then clear, not noise).
"""

from __future__ import annotations

import math
from typing import Any

GATE_METRICS = ("fid", "kid", "c2st_auc", "tstr_gap")
GATE_FIELDS = ("value", "ci_low", "ci_high")


def _split(name: str) -> tuple[str, str]:
    metric, _, part = name.partition(".")
    return metric, part or "value"


def parse_fail_above(text: str) -> dict[str, float]:
    """Parse ``"kid=0.05,c2st_auc=0.8"`` into ``{"kid": 0.05, "c2st_auc": 0.8}``.

    Raises:
        ValueError: malformed item, unknown metric or field, or a non-finite threshold.
    """
    gates: dict[str, float] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, number = (s.strip() for s in item.partition("="))
        metric, part = _split(name)
        if not sep or metric not in GATE_METRICS or part not in GATE_FIELDS:
            raise ValueError(f"--fail-above: bad gate {item!r}; use NAME=NUMBER with NAME one of "
                             f"{', '.join(GATE_METRICS)} (optionally .ci_low or .ci_high)")
        try:
            threshold = float(number)
        except ValueError:
            raise ValueError(f"--fail-above: {item!r}: {number!r} is not a number") from None
        if not math.isfinite(threshold):
            raise ValueError(f"--fail-above: {item!r}: the threshold must be finite")
        gates[name] = threshold
    if not gates:
        raise ValueError("--fail-above: no gate given (e.g. kid=0.05,c2st_auc=0.8)")
    return gates


def check_gates(result: dict[str, Any], gates: dict[str, float]) -> list[str]:
    """Messages of every failed gate (empty: all passed); a metric not computed fails its gate."""
    failures = []
    summary = result.get("summary") or {}
    for name, threshold in gates.items():
        metric, part = _split(name)
        value = (summary.get(metric) or {}).get(part)
        if value is None:
            failures.append(f"{name}: not computed in this evaluation (threshold {threshold:g})")
        elif value > threshold:
            failures.append(f"{name} = {value:.4g} is above {threshold:g}")
    return failures
