"""What ``synth tune`` writes besides the tuned spec: the search history and before/after."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from renderer.experiments.axes import value_label
from renderer.experiments.plots import save_figure
from renderer.experiments.table import interval_text, markdown_table, metric, metric_names
from renderer.io import write_bytes_atomic, write_json_atomic

if TYPE_CHECKING:
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


def write_comparison(out: Path, result: TuningResult, ranges: list[TunedRange]) -> None:
    """``comparison.md`` / ``comparison.json``: original vs tuned ranges and metrics."""
    before, after = result.before, result.after
    names = metric_names([before, after])
    rows = [[name, interval_text(*metric(before, name)), interval_text(*metric(after, name)),
             _delta(metric(before, name)[0], metric(after, name)[0])] for name in names]
    changes = [[r.knob.path, value_label(r.knob.value.to_data()),
                value_label(result.tuned_values[r.knob.path]),
                f"{value_label(r.bounds[0])} .. {value_label(r.bounds[1])}"] for r in ranges]
    text = (
        f"# synth tune\n\nObjective: {result.objective} ({result.direction}), "
        f"{len(result.trials)} trials. Best trial on the search images: "
        f"{interval_text(*metric(result.best, result.objective))} (trial 0, the original ranges: "
        f"{interval_text(*metric(result.trials[0], result.objective))}).\n\n"
        "## Ranges\n\n"
        + markdown_table(["field", "original", "tuned", "searched within"], changes)
        + f"\n## Before / after on held-out images (seed {before['seed']})\n\n"
        "The search chose its best trial on the search seed's images; these numbers come from "
        "fresh images of both specs.\n\n"
        + markdown_table(["metric", "original", "tuned", "change"], rows))
    write_bytes_atomic(out / "comparison.md", text.encode("utf-8"))
    write_json_atomic(out / "comparison.json", {
        "objective": result.objective, "direction": result.direction,
        "trials": len(result.trials), "tuned": result.tuned_values,
        "best_search_trial": {"key": result.best.get("key"),
                              "metrics": result.best.get("metrics")},
        "held_out": {"seed": before["seed"], "original": before["metrics"],
                     "tuned": after["metrics"]}})


def _delta(before: float, after: float) -> str:
    if math.isnan(before) or math.isnan(after):
        return ""
    return f"{after - before:+.4g}"
