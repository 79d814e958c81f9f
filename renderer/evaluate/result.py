"""The result type every metric core returns, and the bootstrap helpers they share."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Result:
    """A metric value with its confidence interval and the sample sizes it rests on.

    Attributes:
        value: the point estimate.
        ci_low: lower end of the confidence interval (NaN when the metric has none).
        ci_high: upper end of the confidence interval (NaN when the metric has none).
        n_a: number of samples of the first set (synthetic).
        n_b: number of samples of the second set (real).
        extra: metric-specific details (JSON-able).
    """

    value: float
    ci_low: float
    ci_high: float
    n_a: int
    n_b: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (NaN becomes None)."""
        return jsonable({"value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high,
                         "n_a": self.n_a, "n_b": self.n_b, **self.extra})


def percentile_interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile bootstrap interval of ``samples`` at level ``confidence`` (e.g. 0.95)."""
    finite = np.asarray(samples, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return math.nan, math.nan
    tail = 100.0 * (1.0 - confidence) / 2.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)


def bootstrap_counts(n: int, reps: int, *, rng: np.random.Generator) -> np.ndarray:
    """(n, reps) multiplicities of each sample in ``reps`` bootstrap resamples of size n."""
    return rng.multinomial(n, np.full(n, 1.0 / n), size=reps).T.astype(np.float64)


def jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and non-finite floats into plain JSON values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
