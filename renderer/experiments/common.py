"""Pieces every experiment kind shares: the base spec, the trial setup, ranking, spec files."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from renderer.experiments.config import Experiment
from renderer.experiments.evaluation import MetricError, resolve_metric
from renderer.experiments.trials import RealSource, TrialSetup
from renderer.io import write_bytes_atomic
from renderer.scene_context import SceneContext
from renderer.spec.load import load_spec, read_yaml
from renderer.spec.scene import SceneSpec

if TYPE_CHECKING:
    from renderer.evaluate.evalset import EvalSet


@dataclass(frozen=True)
class BaseSpec:
    """The base spec as written (``data``, for variants and output files) and as validated."""

    path: Path
    data: dict[str, Any]
    spec: SceneSpec

    @classmethod
    def load(cls, path: Path, ctx: SceneContext | None = None) -> BaseSpec:
        """Read and validate the spec file at ``path``."""
        spec = load_spec(path, ctx=ctx)
        return cls(Path(path), read_yaml(Path(path)), spec)


def trial_setup(experiment: Experiment, base: BaseSpec, real: EvalSet | None) -> TrialSetup:
    """The shared setup of an experiment's trials (``real`` replaces the experiment's path).

    Raises:
        ValueError: no real set given, or its path does not exist (before any trial runs).
    """
    if real is None and experiment.real is None:
        raise ValueError("no real set: give 'real:' in the experiment file or --real")
    if real is None and not experiment.real.exists():  # type: ignore[union-attr]
        raise ValueError(f"real set not found: {experiment.real}")
    source = (RealSource(evalset=real) if real is not None
              else RealSource(experiment.real, experiment.real_limit, experiment.seed))
    return TrialSetup(n=experiment.n, seed=experiment.seed, real=source,
                      evaluation=dict(experiment.evaluation), context=base.spec.context,
                      html=experiment.html, task=experiment.task)


def best_record(records: list[dict[str, Any]], objective: str,
                direction: str) -> dict[str, Any]:
    """The record with the best finite value of ``objective``.

    Raises:
        MetricError: no record has the metric.
    """
    scored = []
    for record in records:
        try:
            value = record["metrics"][resolve_metric(objective, record["metrics"])][0]
        except MetricError:
            continue
        if value is not None and math.isfinite(value):
            scored.append((value if direction == "min" else -value, record))
    if not scored:
        raise MetricError(f"no trial has a value for objective {objective!r}")
    return min(scored, key=lambda pair: pair[0])[1]


def write_spec(path: Path, data: dict[str, Any], base: BaseSpec, note: str) -> None:
    """Write spec ``data`` as YAML with a header saying where it came from.

    Relative asset paths in the base spec resolve from the base spec's folder, so the header says
    which folder that is (keep the file there, or pass ``--asset-root``).
    """
    header = (f"# {note}\n# Derived from {base.path}; relative asset paths in it resolve "
              f"from that spec's folder.\n")
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
    write_bytes_atomic(path, (header + text).encode("utf-8"))
