"""Compare one scalar statistic between the synthetic and the real side, and say it in words.

Each comparison gives the means, medians and standard deviations of both sides, the
Wasserstein-1 distance (in the statistic's own unit), the two-sample Kolmogorov-Smirnov statistic
and p-value, and the standardised mean difference (synthetic minus real over the pooled standard
deviation, Cohen's d). A difference is reported as actionable when KS p < ``P_THRESHOLD`` *and*
|d| >= ``EFFECT_THRESHOLD``: with thousands of images KS alone flags differences nobody can see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import ks_2samp, wasserstein_distance

P_THRESHOLD = 0.01
EFFECT_THRESHOLD = 0.2  # Cohen's "small" effect
EFFECT_CAP = 1000.0  # |d| when one side is constant; keeps the JSON finite
EXACT_KS_MAX_PAIRS = 10_000  # above, scipy's exact KS may fail over to asymp with a warning


@dataclass(frozen=True)
class Hint:
    """How to word a difference of one statistic and which spec parameter moves it.

    Attributes:
        more: adjective when synthetic is higher (e.g. "brighter").
        less: adjective when synthetic is lower (e.g. "darker").
        if_more: advice when synthetic is higher (e.g. "lower lighting.ambient").
        if_less: advice when synthetic is lower.
    """

    more: str
    less: str
    if_more: str
    if_less: str


def _summary(values: np.ndarray) -> dict[str, float]:
    return {"mean": float(values.mean()), "median": float(np.median(values)),
            "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0}


def compare(synthetic: np.ndarray, real: np.ndarray) -> dict[str, object]:
    """Distances between two samples of one statistic (NaNs ignored).

    Returns:
        ``{"available": False}`` when a side has fewer than 2 finite values, else the summaries
        ``synthetic``/``real``, ``difference`` (of means), ``w1``, ``ks``, ``ks_p``,
        ``effect_size`` and ``differs``.
    """
    s = np.asarray(synthetic, dtype=np.float64)
    r = np.asarray(real, dtype=np.float64)
    s, r = s[np.isfinite(s)], r[np.isfinite(r)]
    if len(s) < 2 or len(r) < 2:
        return {"available": False, "n_synthetic": len(s), "n_real": len(r)}
    method = "exact" if len(s) * len(r) <= EXACT_KS_MAX_PAIRS else "asymp"
    ks = ks_2samp(s, r, method=method)
    difference = float(s.mean() - r.mean())
    pooled = float(np.sqrt((s.var(ddof=1) + r.var(ddof=1)) / 2.0))
    if pooled > 0:
        effect = difference / pooled
    else:
        effect = 0.0 if difference == 0 else float(np.sign(difference)) * EFFECT_CAP
    effect = float(np.clip(effect, -EFFECT_CAP, EFFECT_CAP))
    return {
        "available": True, "n_synthetic": len(s), "n_real": len(r),
        "synthetic": _summary(s), "real": _summary(r), "difference": difference,
        "w1": float(wasserstein_distance(s, r)), "ks": float(ks.statistic),
        "ks_p": float(ks.pvalue), "effect_size": effect,
        "differs": bool(ks.pvalue < P_THRESHOLD and abs(effect) >= EFFECT_THRESHOLD),
    }


def hint_text(comparison: dict[str, object], hint: Hint, unit: str) -> str:
    """Plain-words verdict, e.g. "synthetic is brighter than real by 23.1 (mean luma, 0-255):
    lower lighting.ambient"."""
    if not comparison.get("available"):
        return "not enough values on one side to compare"
    difference = float(comparison["difference"])  # type: ignore[arg-type]
    effect = float(comparison["effect_size"])  # type: ignore[arg-type]
    if not comparison["differs"]:
        return f"no clear difference (effect size {effect:+.2f})"
    adjective, advice = (hint.more, hint.if_more) if difference > 0 else (hint.less, hint.if_less)
    return (f"synthetic is {adjective} than real by {abs(difference):.3g} ({unit}; effect size "
            f"{effect:+.2f}): {advice}")


def compare_table(synthetic: dict[str, np.ndarray], real: dict[str, np.ndarray],
                  hints: dict[str, tuple[Hint, str]]) -> list[dict[str, object]]:
    """One row per statistic in ``hints`` (``name -> (hint, unit)``), largest |effect| first."""
    rows = []
    for name, (hint, unit) in hints.items():
        comparison = compare(synthetic[name], real[name])
        rows.append({"name": name, "unit": unit, **comparison,
                     "hint": hint_text(comparison, hint, unit)})
    return sorted(rows, key=lambda row: -abs(float(row.get("effect_size", 0.0))))  # type: ignore[arg-type]
