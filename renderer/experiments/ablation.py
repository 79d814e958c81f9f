"""``run_ablation``: each randomizer turned off in turn, and how much of the gap it accounts for.

The ablation table of Tremblay et al. 2018 ("Training deep networks with synthetic data"),
produced automatically: the variants come from :mod:`renderer.experiments.ablation_plan`, or
from the experiment's own ``variants:`` (``name: {path: value, ...}``, e.g. ``no blur:
{effects[0].p: 0}``) when it lists them. Every
variant renders with the seed of the full spec, so variant and full spec differ image by image
only in the one randomizer (common random numbers): the contribution is a paired difference.

Contribution of a randomizer = gap(full spec) - gap(spec without it), where gap is the objective
(negated when higher is better). Positive: removing it brings the synthetic set closer to the real
one (it hurts); negative: it helps. Rows are ranked by contribution, most harmful first. With the
objective ``kid`` the contribution is the paired difference of full-sample MMD^2 with a paired
bootstrap interval (:mod:`renderer.experiments.paired`); otherwise the difference of the two
values with a conservative interval.

Output folder: ``ablation.csv`` (every metric of every variant), ``ablation.md`` (ranked table,
inactive randomizers listed), ``ablation.png`` (bar chart), ``trials/`` (per-variant reports).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from renderer.experiments.ablation_plan import Ablation, plan_ablations
from renderer.experiments.axes import apply_parameters, value_label
from renderer.experiments.common import BaseSpec, trial_setup
from renderer.experiments.config import Experiment
from renderer.experiments.evaluation import resolve_metric
from renderer.experiments.paired import extract, paired_differences
from renderer.experiments.plots import bar_chart
from renderer.experiments.runner import Progress, TrialRun, run_trials
from renderer.experiments.table import (
    interval_text,
    markdown_table,
    metric,
    trial_rows,
    write_csv,
)
from renderer.experiments.trials import Trial, TrialStore
from renderer.io import write_bytes_atomic, write_json_atomic

if TYPE_CHECKING:
    from renderer.evaluate.evalset import EvalSet

FULL = "full spec"
NO_GAP_LEVEL = {"c2st_auc": 0.5}  # the value of a metric when the sets cannot be told apart


@dataclass(frozen=True)
class AblationRow:
    """One randomizer: the objective without it and its contribution (with interval)."""

    name: str
    path: str
    change: str
    value: tuple[float, float, float]
    contribution: tuple[float, float, float]
    share: float  # contribution as a fraction of the full spec's gap (NaN when undefined)


@dataclass(frozen=True)
class AblationResult:
    """Rows ranked most harmful first, the full spec's record and what was left out."""

    out: Path
    objective: str
    full: dict[str, Any]
    rows: list[AblationRow]
    skipped: list[tuple[str, str]]


def _contribution(full: tuple[float, float, float], without: tuple[float, float, float],
                  sign: float) -> tuple[float, float, float]:
    """``sign * (full - without)`` with an interval from both intervals.

    Used where no paired interval exists (objectives other than KID). The ends combine the two
    intervals' half-widths in quadrature (as for independent estimates): conservative, since
    common random numbers make the two values positively correlated and their difference less
    variable than that.
    """
    value = sign * (full[0] - without[0])
    halves = [(v[2] - v[1]) / 2 for v in (full, without)]
    if any(math.isnan(h) for h in halves):
        return value, math.nan, math.nan
    half = math.hypot(*halves)
    return value, value - half, value + half


def _rows(records: list[dict[str, Any]], ablations: list[Ablation], key: str,
          direction: str, paired: list[tuple[float, float, float] | None]) -> list[AblationRow]:
    full = metric(records[0], key)
    sign = 1.0 if direction == "min" else -1.0
    floor = NO_GAP_LEVEL.get(key, 0.0)
    gap = sign * (full[0] - floor) if direction == "min" else math.nan
    rows = []
    for ablation, record, pair in zip(ablations, records[1:], paired, strict=True):
        value = metric(record, key)
        contribution = (_contribution(full, value, sign) if pair is None
                        else (-pair[0], -pair[2], -pair[1]))
        share = contribution[0] / gap if gap and math.isfinite(gap) and gap > 0 else math.nan
        rows.append(AblationRow(ablation.name, ablation.path, ablation.change, value,
                                contribution, share))
    return sorted(rows, key=lambda r: -r.contribution[0] if math.isfinite(r.contribution[0])
                  else math.inf)


def run_ablation(experiment: Experiment, out: str | Path, *, workers: int = 1,
                 real: EvalSet | None = None, group: Literal["field", "block"] = "field",
                 paired: bool = True, progress: Progress | None = None) -> AblationResult:
    """Run (or resume) the ablation of ``experiment.spec`` and write its table and chart.

    Example::

        from renderer.experiments import Experiment, run_ablation
        result = run_ablation(Experiment(spec="scenes/digits.yaml", real="data/mnist-test",
                                         n=1000, objective="kid"), "exp/ablation", workers=8)
        [(row.name, row.contribution[0]) for row in result.rows]

    Args:
        experiment: base spec, real set, n, seed, evaluation and objective (axes are ignored).
        out: output folder (rerunning skips finished variants).
        workers: processes.
        real: an in-memory real set instead of ``experiment.real``.
        group: ``field`` (one variant per randomized field) or ``block`` (per spec block);
            ignored when the experiment lists its own ``variants``.
        paired: with objective ``kid``, store each variant's features and give contributions
            paired bootstrap intervals (see :mod:`renderer.experiments.paired`); costs one more
            feature pass per variant and one over the real set.
        progress: called with each variant's record and whether it was finished earlier.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = BaseSpec.load(experiment.spec)
    ablations, skipped = (listed_ablations(experiment, base.data) if experiment.variants
                          else plan_ablations(base.spec, base.data, experiment.seed, group))
    base_hash = base.spec.spec_hash()
    trials = [Trial(FULL, {"randomizer": FULL, "change": ""}, base.data, base_hash)]
    trials += [Trial(a.name, {"randomizer": a.name, "change": a.change}, a.data, base_hash)
               for a in ablations]
    objective = experiment.objective
    pair_kid = paired and objective.metric == "kid"
    setup = dataclasses.replace(trial_setup(experiment, base, real), features=pair_kid)
    records = run_trials(trials, TrialRun(out, setup, workers), progress)

    key = resolve_metric(objective.metric, records[0]["metrics"])
    differences: list[tuple[float, float, float] | None] = [None] * len(ablations)
    if pair_kid:
        store = TrialStore(out)
        folders = [store.folder(r["key"]) for r in records]
        real_features = extract(setup.real.load(), setup.evaluation)
        differences = paired_differences(folders[1:], folders[0], real_features, setup.seed)
    rows = _rows(records, ablations, key, objective.direction, differences)
    write_csv(out / "ablation.csv", *trial_rows(records, ["randomizer", "change"]))
    reasons = [(a.name, reason) for a, reason in skipped]
    write_bytes_atomic(out / "ablation.md",
                       ablation_markdown(rows, records[0], key, objective.direction,
                                         reasons).encode("utf-8"))
    if rows:
        bar_chart([r.name for r in rows], [r.contribution for r in rows],
                  f"contribution to the gap in {key}\n(red: removing the randomizer narrows "
                  "the gap; blue: it helps)",
                  f"Ablation of {base.path.name} ({experiment.n} images per variant)",
                  out / "ablation.png")
    write_json_atomic(out / "summary.json", {
        "objective": key, "direction": objective.direction, "full": records[0]["metrics"][key],
        "ranking": [{"randomizer": r.name, "path": r.path, "change": r.change,
                     "contribution": r.contribution,
                     "share": r.share if math.isfinite(r.share) else None} for r in rows],
        "skipped": [{"randomizer": name, "reason": reason} for name, reason in reasons]})
    return AblationResult(out, key, records[0], rows, reasons)


def listed_ablations(experiment: Experiment, data: dict[str, Any]
                     ) -> tuple[list[Ablation], list[tuple[Ablation, str]]]:
    """The experiment's own ``variants`` (``name: {path: value}``), none left out."""
    return [Ablation(name, ", ".join(params), _change_text(params), apply_parameters(data, params))
            for name, params in experiment.variants.items()], []


def _change_text(params: dict[str, Any], shown: int = 2) -> str:
    """``effects[2].p = 0; effects[3].p = 0 (+1 more)``: a table cell, not the whole change."""
    parts = [f"{path} = {value_label(v)}" for path, v in params.items()]
    more = f" (+{len(parts) - shown} more)" if len(parts) > shown else ""
    return "; ".join(parts[:shown]) + more


def ablation_markdown(rows: list[AblationRow], full: dict[str, Any], key: str, direction: str,
                      skipped: list[tuple[str, str]]) -> str:
    """The ranked ablation table in Markdown, then the randomizers left out."""
    # a share of the gap exists only for metrics with a no-gap level (KID, errors), not for mAPs
    shares = any(math.isfinite(r.share) for r in rows)
    header = ["rank", "randomizer", "change", f"{key} without it", "contribution",
              *(["share of gap"] if shares else [])]
    body = [[str(i + 1), r.name, r.change, interval_text(*r.value),
             interval_text(*r.contribution),
             *([] if not shares else ["" if math.isnan(r.share) else f"{100 * r.share:.0f}%"])]
            for i, r in enumerate(rows)]
    text = (f"# Ablation\n\nObjective: {key} ({'lower' if direction == 'min' else 'higher'} is "
            f"closer to real). Full spec: {interval_text(*metric(full, key))}.\n"
            "Contribution = gap with the randomizer - gap without it: positive means the "
            "randomizer widens the gap.\n\n" + markdown_table(header, body))
    if skipped:
        text += "\nLeft out:\n\n" + "".join(f"- {name}: {why}\n" for name, why in skipped)
    return text
