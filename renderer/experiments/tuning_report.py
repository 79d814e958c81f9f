"""What ``synth tune`` writes besides the tuned spec: the search history and before/after on the
held-out real part."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renderer.experiments.axes import value_label
from renderer.experiments.plots import save_figure
from renderer.experiments.table import interval_text, markdown_table, metric, metric_names
from renderer.experiments.trials import TrialStore
from renderer.experiments.tuning_confirm import lead_over_start
from renderer.io import write_bytes_atomic, write_json_atomic

if TYPE_CHECKING:
    from renderer.experiments.config import Experiment
    from renderer.experiments.search_space import TunedRange
    from renderer.experiments.tuning import TuningResult


def write_history(path: Path, records: list[dict[str, Any]], key: str, direction: str) -> None:
    """The objective of every trial and the best so far, against the trial number."""
    from matplotlib.figure import Figure

    values = [metric(r, key)[0] for r in records]
    best, running = [], math.nan
    for v in values:
        if math.isfinite(v) and (math.isnan(running)
                                 or (v < running if direction == "min" else v > running)):
            running = v
        best.append(running)
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.add_subplot()
    ax.plot(range(len(values)), values, "o", markersize=4, alpha=0.6, label="trial")
    ax.plot(range(len(best)), best, "-", color="tab:red", label="best so far")
    ax.set_xlabel("trial (0 = the spec's own ranges)")
    ax.set_ylabel(key)
    ax.set_title(f"synth tune: {key} ({'lower' if direction == 'min' else 'higher'} is better)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, path)


HEADLINE = ("task.", "tstr_", "kid", "fid", "c2st_auc", "precision", "recall", "density",
            "coverage")


def _headline(names: list[str]) -> list[str]:
    """Metrics of the before/after table: task and gap metrics, not per-class or per-statistic."""
    return [n for n in names if n.startswith(HEADLINE) and ".class_accuracy." not in n]


def _stats_rows(out: Path, before: dict[str, Any], after: dict[str, Any]) -> list[list[str]]:
    """Per low-level statistic: synthetic - real, W1 and the spread ratio (std synthetic / real),
    before and after, and the engine's hint for the original spec (the statistics the report's
    hints name)."""
    hints = {}
    report = TrialStore(out).folder(before["key"]) / "report.json"
    if report.is_file():
        table = (json.loads(report.read_text(encoding="utf-8")).get("image_stats") or {})
        hints = {row["name"]: row.get("hint", "") for row in table.get("table", [])}
    rows = []
    for name in sorted({n.split(".")[1] for n in before["metrics"] if n.startswith("stats.")}):
        cells = [_cell(metric(record, f"stats.{name}.{part}")[0])
                 for part in ("difference", "w1", "spread_ratio") for record in (before, after)]
        rows.append([name, *cells, hints.get(name, "")])
    return rows


def _cell(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.4g}"


def write_comparison(out: Path, result: TuningResult, ranges: list[TunedRange],
                     experiment: Experiment) -> None:
    """``comparison.md`` / ``comparison.json``: original vs tuned on the held-out real part, the
    ranges that moved and the low-level statistics before/after."""
    before, after, split = result.before, result.after, result.split
    rows = [[name, interval_text(*metric(before, name)), interval_text(*metric(after, name)),
             _delta(metric(before, name)[0], metric(after, name)[0])]
            for name in _headline(metric_names([before, after]))]
    moved = [r for r in ranges if r.knob.value.to_data() != result.tuned_values[r.knob.path]]
    changes = [[r.knob.path, value_label(r.knob.value.to_data()),
                value_label(result.tuned_values[r.knob.path]),
                f"{value_label(r.bounds[0])} .. {value_label(r.bounds[1])}"] for r in moved]
    task = "none" if experiment.task is None else value_label(experiment.task)
    stats = _stats_rows(out, before, after)
    leads = _leads(result)
    text = (
        f"# synth tune\n\n## Protocol\n\nThe real set was split (stratified by class, seed "
        f"{split.seed}) into a tuning part of {len(split.tuning)} images and a held-out part of "
        f"{len(split.held_out)} images ({split.fraction:g} of each class; `split.json` lists "
        "both). Every search trial was scored on the tuning part only. **The figures below are "
        "on the held-out part, which no search trial read**, with fresh rendered images of both "
        f"specs (seed {before['seed']}, {before['n']} images each) and the full recipe: task "
        f"objective {task}, evaluation options {value_label(experiment.evaluation or {})}. "
        "Intervals are 95%.\n\n"
        f"Search: objective `{result.objective_label}` ({result.direction}), "
        f"{len(result.trials)} completed trials, {result.pruned} pruned at a cheaper rung "
        f"(rungs: {[*experiment.rungs, experiment.n]} images, pruner {experiment.pruner}). "
        f"{'Picked' if result.confirmed else 'Best'} trial on the tuning part (search value): "
        f"{interval_text(*metric(result.best, result.objective))} "
        f"(trial 0, the original ranges: "
        f"{interval_text(*metric(result.trials[0], result.objective))}).\n\n"
        + _confirm_section(result, experiment, leads)
        + "## Before / after on the held-out real part\n\n"
        + markdown_table(["metric", "original", "tuned", "change"], rows)
        + f"\n## Ranges that moved ({len(moved)} of {len(ranges)} searched)\n\n"
        + (markdown_table(["field", "original", "tuned", "searched within"], changes)
           if changes else "None: the search kept the original ranges.\n")
        + ("\n## Low-level statistics on the held-out part (synthetic - real)\n\n"
           + markdown_table(["statistic", "difference, original", "difference, tuned",
                             "W1, original", "W1, tuned", "spread ratio, original",
                             "spread ratio, tuned", "hint for the original"], stats)
           if stats else ""))
    write_bytes_atomic(out / "comparison.md", text.encode("utf-8"))
    write_json_atomic(out / "comparison.json", {
        "objective": result.objective, "objective_label": result.objective_label,
        "direction": result.direction, "trials": len(result.trials), "pruned": result.pruned,
        "tuned": result.tuned_values, "moved": [r.knob.path for r in moved],
        "confirmed": [{"trial": c.number, "seeds": c.seeds, "values": c.values, "mean": c.mean,
                       "lead": lead, "lead_stderr": stderr, "picked": c.picked}
                      for c, (lead, stderr) in zip(result.confirmed, leads, strict=True)],
        "confirm_margin": None if experiment.confirm is None else experiment.confirm.margin,
        "best_search_trial": {"key": result.best.get("key"),
                              "metrics": result.best.get("metrics")},
        "split": {"tuning": len(split.tuning), "held_out": len(split.held_out),
                  "fraction": split.fraction, "seed": split.seed},
        "held_out": {"seed": before["seed"], "n": before["n"], "original": before["metrics"],
                     "tuned": after["metrics"]}})


def _leads(result: TuningResult) -> list[tuple[float, float]]:
    """Each re-scored trial's lead over the original ranges (NaN without them)."""
    start = next((c for c in result.confirmed if c.number == 0), None)
    return [(math.nan, math.nan) if start is None
            else lead_over_start(c, start, result.direction) for c in result.confirmed]


def _confirm_section(result: TuningResult, experiment: Experiment,
                     leads: list[tuple[float, float]]) -> str:
    """How the pick was made when the best trials were re-scored (``confirm``); ``leads``: each
    re-scored trial's lead over the original ranges and its standard error."""
    if not result.confirmed or experiment.confirm is None:
        return ""
    seeds = result.confirmed[0].seeds
    rows = [[f"#{c.number}" + (" (the original ranges)" if c.number == 0 else ""),
             *(_cell(v) for v in c.values), _cell(c.mean),
             "" if c.number == 0 or math.isnan(lead) else f"{lead:+.4g} +- {stderr:.2g}",
             "picked" if c.picked else ""]
            for c, (lead, stderr) in zip(result.confirmed, leads, strict=True)]
    kept = next(c for c in result.confirmed if c.picked).number == 0
    margin = experiment.confirm.margin
    return ("## Pick\n\nThe best trials of the search and the original ranges were rendered "
            f"again on seeds {seeds[1:]} and scored on the tuning part (the search's own value "
            f"is on seed {seeds[0]}). The best of many noisy trials is mostly the luckiest: the "
            f"pick is the best mean of `{result.objective_label}` among the trials whose lead "
            f"over the original ranges (per seed, averaged; positive is better) exceeds {margin:g}"
            " standard error(s) of that lead, else the original ranges."
            + (" **No trial did: the original ranges are kept.**" if kept else "") + "\n\n"
            + markdown_table(["trial", *(f"seed {s}" for s in seeds), "mean",
                              "lead over the original", ""], rows) + "\n")


def _delta(before: float, after: float) -> str:
    if math.isnan(before) or math.isnan(after):
        return ""
    return f"{after - before:+.4g}"
