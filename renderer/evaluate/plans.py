"""Relate the domain classifier's per-image verdict to the sampled plan of each synthetic image.

"Images with strong blur are the ones the classifier finds synthetic": every numeric leaf of the
plans (``lighting.ambient``, ``effects.0.sigma``, booleans as 0/1) is rank-correlated (Spearman)
with the out-of-fold P(synthetic); the strongest correlations point at the parameters whose range
gives images away.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import spearmanr

MIN_COVERAGE = 0.5  # a leaf present in fewer plans than this is skipped


def numeric_leaves(plan: Any, prefix: str = "") -> dict[str, float]:
    """Flatten a JSON-like plan into ``{"a.b.0.c": number}`` for its numeric and boolean leaves."""
    if isinstance(plan, dict):
        items = plan.items()
    elif isinstance(plan, list | tuple):
        items = ((str(i), v) for i, v in enumerate(plan))
    elif isinstance(plan, bool | int | float) and math.isfinite(float(plan)):
        return {prefix: float(plan)}
    else:
        return {}
    leaves: dict[str, float] = {}
    for key, value in items:
        leaves.update(numeric_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
    return leaves


def plan_correlations(plans: list[dict], scores: np.ndarray, *, top: int = 10) -> list[dict]:
    """The ``top`` plan leaves most rank-correlated with ``scores`` (one per plan), strongest first.

    Returns:
        ``[{"parameter", "rho", "n", "hint"}]``; empty when no leaf varies.
    """
    flat = [numeric_leaves(plan) for plan in plans]
    keys = sorted({key for leaves in flat for key in leaves})
    rows = []
    for key in keys:
        present = np.array([key in leaves for leaves in flat])
        if present.mean() < MIN_COVERAGE or present.sum() < 3:
            continue
        values = np.array([leaves[key] for leaves in flat if key in leaves])
        if np.unique(values).size < 2 or np.unique(scores[present]).size < 2:
            continue
        rho = float(spearmanr(values, scores[present]).statistic)
        if math.isfinite(rho):
            direction = "higher" if rho > 0 else "lower"
            rows.append({"parameter": key, "rho": rho, "n": int(present.sum()),
                         "hint": f"images with {direction} {key} look more synthetic"})
    rows.sort(key=lambda row: -abs(row["rho"]))
    return rows[:top]
