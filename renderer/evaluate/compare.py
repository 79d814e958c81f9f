"""Compare one scalar statistic between the synthetic and the real side, and say it in words.

Each comparison gives the means, medians and standard deviations of both sides, the
Wasserstein-1 distance (in the statistic's own unit), the two-sample Kolmogorov-Smirnov statistic
and p-value, and the standardised mean difference (synthetic minus real over the pooled standard
deviation, Cohen's d). A difference is reported as actionable when KS p < ``P_THRESHOLD`` *and*
|d| >= ``EFFECT_THRESHOLD``: with thousands of images KS alone flags differences nobody can see.

The spread is compared too, since domain randomization is about ranges: the ratio of the standard
deviations (synthetic over real) and the Brown-Forsythe test (Levene's, centred on medians, robust
to the skewed statistics here). A spread difference is actionable when its p < ``P_THRESHOLD``
*and* the ratio is beyond ``SPREAD_THRESHOLD`` either way; it is worded even when the means agree
(e.g. colour temperature drawn over a range twice the real one, centred where the real one is).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import ks_2samp, levene, wasserstein_distance

P_THRESHOLD = 0.01
EFFECT_THRESHOLD = 0.2  # Cohen's "small" effect
SPREAD_THRESHOLD = 1.5  # std ratio (or its inverse) from which a spread difference is worded
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
        if_wider: advice when synthetic varies more (e.g. "narrow lighting.ambient"); empty:
            a generic one.
        if_narrower: advice when synthetic varies less.
    """

    more: str
    less: str
    if_more: str
    if_less: str
    if_wider: str = ""
    if_narrower: str = ""

    def spread_advice(self, wider: bool) -> str:
        """What to do about a spread difference (wider: synthetic varies more than real)."""
        if wider:
            return self.if_wider or "narrow the ranges that move it"
        return self.if_narrower or "widen the ranges that move it"


def _summary(values: np.ndarray) -> dict[str, float]:
    return {"mean": float(values.mean()), "median": float(np.median(values)),
            "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0}


def _spread(s: np.ndarray, r: np.ndarray, std_s: float, std_r: float) -> tuple[float, float]:
    """Standard deviation ratio (synthetic / real, capped) and the Brown-Forsythe p-value of the
    samples ``s`` and ``r``, whose standard deviations are ``std_s`` and ``std_r``."""
    if std_r > 0:
        ratio = min(std_s / std_r, EFFECT_CAP)
    else:
        ratio = 1.0 if std_s == 0 else EFFECT_CAP
    if std_s == 0 and std_r == 0:
        return ratio, 1.0
    p = float(levene(s, r, center="median").pvalue)
    return ratio, p if np.isfinite(p) else 1.0


def compare(synthetic: np.ndarray, real: np.ndarray) -> dict[str, object]:
    """Distances between two samples of one statistic (NaNs ignored).

    Returns:
        ``{"available": False}`` when a side has fewer than 2 finite values, else the summaries
        ``synthetic``/``real``, ``difference`` (of means), ``w1``, ``ks``, ``ks_p``,
        ``effect_size`` and ``differs`` (the means), ``spread_ratio`` (std synthetic / real),
        ``spread_p`` and ``spread_differs``.
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
    summary_s, summary_r = _summary(s), _summary(r)
    ratio, spread_p = _spread(s, r, summary_s["std"], summary_r["std"])
    return {
        "available": True, "n_synthetic": len(s), "n_real": len(r),
        "synthetic": summary_s, "real": summary_r, "difference": difference,
        "w1": float(wasserstein_distance(s, r)), "ks": float(ks.statistic),
        "ks_p": float(ks.pvalue), "effect_size": effect,
        "differs": bool(ks.pvalue < P_THRESHOLD and abs(effect) >= EFFECT_THRESHOLD),
        "spread_ratio": ratio, "spread_p": spread_p,
        "spread_differs": bool(spread_p < P_THRESHOLD
                               and not 1.0 / SPREAD_THRESHOLD < ratio < SPREAD_THRESHOLD),
    }


def hint_text(comparison: dict[str, object], hint: Hint, unit: str) -> str:
    """Plain-words verdict, e.g. "synthetic is brighter than real by 23.1 (mean luma, 0-255):
    lower lighting.ambient", followed by the spread's when it differs too ("; it varies 2.7x as
    widely as real (std ratio): narrow lighting.temperature")."""
    if not comparison.get("available"):
        return "not enough values on one side to compare"
    difference = float(comparison["difference"])  # type: ignore[arg-type]
    effect = float(comparison["effect_size"])  # type: ignore[arg-type]
    spread = ""
    if comparison.get("spread_differs"):
        ratio = float(comparison["spread_ratio"])  # type: ignore[arg-type]
        spread = (f"varies {ratio:.2g}x as widely as real (std ratio): "
                  f"{hint.spread_advice(ratio > 1)}")
    if not comparison["differs"]:
        if spread:
            return f"means agree (effect size {effect:+.2f}), but synthetic {spread}"
        return f"no clear difference (effect size {effect:+.2f})"
    adjective, advice = (hint.more, hint.if_more) if difference > 0 else (hint.less, hint.if_less)
    text = (f"synthetic is {adjective} than real by {abs(difference):.3g} ({unit}; effect size "
            f"{effect:+.2f}): {advice}")
    return f"{text}; it {spread}" if spread else text


def compare_table(synthetic: dict[str, np.ndarray], real: dict[str, np.ndarray],
                  hints: dict[str, tuple[Hint, str]]) -> list[dict[str, object]]:
    """One row per statistic in ``hints`` (``name -> (hint, unit)``): the rows with a clear
    difference (of means or of spread) first, each group by largest |effect|."""
    rows = []
    for name, (hint, unit) in hints.items():
        comparison = compare(synthetic[name], real[name])
        rows.append({"name": name, "unit": unit, **comparison,
                     "hint": hint_text(comparison, hint, unit)})
    return sorted(rows, key=lambda row: (not (row.get("differs") or row.get("spread_differs")),
                                         -abs(float(row.get("effect_size", 0.0)))))  # type: ignore[arg-type]
