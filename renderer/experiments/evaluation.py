"""The bridge to the evaluation engine: real sets, one evaluation, and its metrics as a table row.

``renderer.evaluate`` returns a nested JSON-able result; an experiment needs flat numbers to rank,
tabulate and plot (see :func:`flatten_metrics`). Objectives name them loosely: ``kid``,
``c2st_auc``, ``tstr_error``, ``brightness_w1`` (see :func:`resolve_metric`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from renderer.rng import stable_id

if TYPE_CHECKING:
    from renderer.evaluate.evalset import EvalSet

log = logging.getLogger(__name__)

Metric = tuple[float, float, float]  # value, ci_low, ci_high (NaN where there is no interval)


class MetricError(ValueError):
    """An objective names a metric the evaluation did not produce."""


def real_indices(size: int, limit: int | None, seed: int) -> list[int]:
    """Indices of the real images used: all, or a seeded sorted random subset of ``limit``."""
    if limit is None or limit >= size:
        return list(range(size))
    sequence = np.random.SeedSequence(seed, spawn_key=(stable_id("experiments/real"),))
    rng = np.random.Generator(np.random.PCG64(sequence))
    return sorted(int(i) for i in rng.choice(size, size=limit, replace=False))


@lru_cache(maxsize=2)
def load_real(path: Path, limit: int | None, seed: int) -> EvalSet:
    """The real set at ``path`` as an ``EvalSet`` (cached: trials in a process share it)."""
    from renderer.datasets import load, to_eval_set

    dataset = load(path)
    indices = real_indices(len(dataset), limit, seed)
    log.info("real set %s: %d of %d images", path, len(indices), len(dataset))
    return to_eval_set(dataset, indices)


def make_config(options: dict[str, Any]) -> Any:
    """The engine's ``EvalConfig`` from experiment options (nested blocks such as ``task`` too).

    Raises:
        ValueError: an unknown option (the message lists the known ones).
    """
    from renderer.evaluate.config import EvalConfig

    return _dataclass_from(EvalConfig, options, "evaluation")


def _dataclass_from(cls: type, options: dict[str, Any], where: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(options) - set(fields))
    if unknown:
        raise ValueError(f"{where}: unknown option(s) {', '.join(unknown)} "
                         f"(known: {', '.join(fields)})")
    values = {}
    for name, value in options.items():
        spec = fields[name]
        default = spec.default
        if default is dataclasses.MISSING and spec.default_factory is not dataclasses.MISSING:
            default = spec.default_factory()
        if isinstance(value, dict) and dataclasses.is_dataclass(default):
            value = _dataclass_from(type(default), value, f"{where}.{name}")
        elif name == "weights" and isinstance(value, str):
            value = Path(value)
        values[name] = value
    return cls(**values)


def evaluate(synthetic: EvalSet, real: EvalSet, options: dict[str, Any]) -> dict[str, Any]:
    """Run the evaluation engine on one synthetic set against the real set."""
    from renderer.evaluate.report import run_evaluation

    return run_evaluation(synthetic, real, make_config(options))


def write_trial_report(result: dict[str, Any], synthetic: EvalSet, real: EvalSet,
                       out_dir: Path) -> None:
    """The engine's full report (JSON + HTML pages) of one trial."""
    from renderer.evaluate.report import write_report

    write_report(result, synthetic, real, out_dir)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


def flatten_metrics(result: dict[str, Any]) -> dict[str, Metric]:
    """The numbers of one evaluation a trial table holds, as ``name -> (value, low, high)``.

    The headline numbers of the result's ``summary`` (``fid``, ``kid``, ``c2st_auc``,
    ``precision``... ``tstr_accuracy``, ``tstr_gap``) with their intervals; ``tstr_error``
    (1 - TSTR accuracy); and per low-level statistic the Wasserstein-1 distance and the difference
    of means, synthetic minus real, in the statistic's unit (``stats.brightness.w1``...), and the
    ratio of the standard deviations, synthetic over real (``stats.brightness.spread_ratio``).
    """
    metrics: dict[str, Metric] = {}
    for name, node in (result.get("summary") or {}).items():
        if isinstance(node, dict):
            metrics[name] = (_number(node.get("value")), _number(node.get("ci_low")),
                             _number(node.get("ci_high")))
    if "tstr_accuracy" in metrics:
        value, low, high = metrics["tstr_accuracy"]
        metrics["tstr_error"] = (1.0 - value, 1.0 - high, 1.0 - low)
    rows = (result.get("image_stats") or {}).get("table", [])
    for row in sorted(rows, key=lambda r: str(r.get("name"))):  # the engine's order is by difference
        if row.get("available"):
            for part in ("w1", "difference", "spread_ratio"):
                metrics[f"stats.{row['name']}.{part}"] = (_number(row.get(part)), math.nan,
                                                          math.nan)
    return metrics


def _normal(name: str) -> str:
    return name.replace(".", "_").lower()


def resolve_metric(name: str, metrics: dict[str, Metric] | list[str]) -> str:
    """The key of ``metrics`` an objective ``name`` means.

    Exact key first, then the unique key whose ``_``-joined form ends with ``_name``
    (``brightness_w1`` finds ``stats.brightness.w1``).

    Raises:
        MetricError: no key, or several, match.
    """
    keys = list(metrics)
    if name in keys:
        return name
    wanted = _normal(name)
    found = [k for k in keys if _normal(k) == wanted or _normal(k).endswith("_" + wanted)]
    if len(found) == 1:
        return found[0]
    what = f"several metrics match ({', '.join(found)})" if found else "no metric matches"
    raise MetricError(f"objective {name!r}: {what}; known: {', '.join(sorted(keys))}")


def objective_value(metrics: dict[str, Metric], name: str, direction: str) -> float:
    """The number an optimiser minimises: the metric, negated when higher is better."""
    value = metrics[resolve_metric(name, metrics)][0]
    return value if direction == "min" else -value
