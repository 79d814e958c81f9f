"""``run_sweep``: render and evaluate the base spec at every combination of axis values.

Every trial uses the same seed. Named RNG streams make that a controlled experiment: image ``i``
of two trials differs only in what the axes changed (same digits, same poses, same noise
offsets...), so differences between trials are differences of the parameter, not of luck
(common random numbers), and small effects show with few images.

Output folder::

    trials.csv                 one row per trial: parameters, every metric + interval, seconds
    trials/<key>/result.json   finished marker and flat metrics; report.json (index.html)
    plots/<axis>.png           every metric against each axis, with intervals
    plots/<objective>--<axis>.png
    best.yaml                  the base spec with the best trial's values
    summary.json               best trial, objective, counts
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renderer.experiments.axes import apply_parameters, combine_axes, value_label
from renderer.experiments.common import BaseSpec, best_record, trial_setup, write_spec
from renderer.experiments.config import Experiment
from renderer.experiments.evaluation import resolve_metric
from renderer.experiments.plots import metric_vs_axis, metrics_grid, slug
from renderer.experiments.runner import Progress, TrialRun, run_trials
from renderer.experiments.table import trial_rows, write_csv
from renderer.experiments.trials import Trial
from renderer.io import write_json_atomic

if TYPE_CHECKING:
    from renderer.evaluate.evalset import EvalSet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    """What a sweep produced: one record per trial (in trial order) and the best one."""

    out: Path
    records: list[dict[str, Any]]
    best: dict[str, Any]
    objective: str


def sweep_trials(experiment: Experiment, base: BaseSpec) -> list[Trial]:
    """One trial per combination of axis values."""
    combos = combine_axes(experiment.axes, experiment.combine, experiment.seed)
    return [Trial(label=", ".join(f"{k}={value_label(v)}" for k, v in params.items()) or "base",
                  params=params, data=apply_parameters(base.data, params),
                  base_hash=base.spec.spec_hash())
            for params in combos]


def run_sweep(experiment: Experiment, out: str | Path, *, workers: int = 1,
              real: EvalSet | None = None, progress: Progress | None = None) -> SweepResult:
    """Run (or resume) a sweep and write its table, plots and best spec into ``out``.

    Example (in a notebook)::

        from renderer.experiments import load_experiment, run_sweep
        result = run_sweep(load_experiment("experiments/digits-sweep.yaml"), "exp/", workers=8)
        result.best["params"], result.best["metrics"]["kid"]

    Args:
        experiment: the parsed experiment file.
        out: output folder (created; rerunning skips finished trials).
        workers: processes (trials in parallel, or one trial's images in parallel).
        real: an in-memory real set instead of ``experiment.real``.
        progress: called with each trial's record and whether it was finished earlier.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = BaseSpec.load(experiment.spec)
    trials = sweep_trials(experiment, base)
    setup = trial_setup(experiment, base, real)
    write_json_atomic(out / "experiment.json", experiment.model_dump(mode="json"))
    records = run_trials(trials, TrialRun(out, setup, workers), progress)

    axes = list(experiment.axes)
    write_csv(out / "trials.csv", *trial_rows(records, axes))
    objective = experiment.objective
    best = best_record(records, objective.metric, objective.direction)
    key = resolve_metric(objective.metric, best["metrics"])
    write_plots(out / "plots", records, axes, key)
    write_spec(out / "best.yaml", apply_parameters(base.data, best["params"]), base,
               f"Best trial of the sweep by {key} ({objective.direction}): {best['label']}")
    write_json_atomic(out / "summary.json", {
        "trials": len(records), "objective": key, "direction": objective.direction,
        "best": {"key": best["key"], "label": best["label"], "params": best["params"],
                 "value": best["metrics"][key]}})
    return SweepResult(out, records, best, key)


def write_plots(folder: Path, records: list[dict[str, Any]], axes: list[str],
                objective: str) -> None:
    """Every metric against every axis (one grid per axis) and the objective alone."""
    folder.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys(n for r in records for n in r["metrics"]))
    for axis in axes:
        metrics_grid(records, axis, axes, names, folder / f"{slug(axis)}.png")
        metric_vs_axis(records, axis, axes, objective,
                       folder / f"{slug(objective)}--{slug(axis)}.png")
