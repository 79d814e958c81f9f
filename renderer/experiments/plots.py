"""Figures of an experiment (PNG, matplotlib's Agg canvas; no pyplot global state).

- ``metric_vs_axis``: a metric against one axis with its intervals, one line per combination of
  the other axes' values (those stay fixed along a line, so it shows the axis's own effect);
- ``bar_chart``: one bar per row with its interval (ablations).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from renderer.experiments.axes import numeric_position, value_label
from renderer.experiments.table import metric
from renderer.io import write_bytes_atomic

MAX_SERIES = 10  # more lines than this are unreadable: the rest are drawn as points only
GRID_COLUMNS = 3
DPI = 90


def slug(text: str) -> str:
    """A file-name-safe form of a metric or field path."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "value"


def save_figure(fig: Figure, path: Path) -> None:
    """Render ``fig`` to a PNG file atomically."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    write_bytes_atomic(path, buffer.getvalue())


def _positions(values: list[Any]) -> tuple[list[float], list[str] | None]:
    """Numeric x positions of axis values, or category indices with tick labels."""
    numeric = [numeric_position(v) for v in values]
    if all(x is not None for x in numeric):
        return [float(x) for x in numeric], None  # type: ignore[arg-type]
    labels = list(dict.fromkeys(value_label(v) for v in values))
    return [float(labels.index(value_label(v))) for v in values], labels


def _draw(ax: Any, records: Sequence[dict[str, Any]], axis: str, others: Sequence[str],
          name: str, legend: bool = True) -> None:
    xs, ticks = _positions([r["params"].get(axis) for r in records])
    groups: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        key = ", ".join(f"{o}={value_label(record['params'].get(o))}" for o in others)
        groups.setdefault(key, []).append(i)
    for g, (label, members) in enumerate(groups.items()):
        members = sorted(members, key=lambda i: xs[i])
        points = [(xs[i], *metric(records[i], name)) for i in members]
        points = [p for p in points if not math.isnan(p[1])]
        if not points:
            continue
        x, y = [p[0] for p in points], [p[1] for p in points]
        err = [[max(p[1] - p[2], 0.0) if not math.isnan(p[2]) else 0.0 for p in points],
               [max(p[3] - p[1], 0.0) if not math.isnan(p[3]) else 0.0 for p in points]]
        style = "-o" if g < MAX_SERIES else "o"
        ax.errorbar(x, y, yerr=err, fmt=style, capsize=3, markersize=4,
                    label=label if label and g < MAX_SERIES else None)
    if ticks is not None:
        ax.set_xticks(range(len(ticks)), ticks, rotation=30, ha="right", fontsize=7)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ranges = any(isinstance(r["params"].get(axis), list) for r in records)
    ax.set_xlabel(f"{axis} (range centre)" if ranges and ticks is None else axis)
    ax.set_ylabel(name)
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=7)
    if legend and ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6)


def metric_vs_axis(records: Sequence[dict[str, Any]], axis: str, axes: Sequence[str],
                   name: str, path: Path) -> None:
    """One metric against one axis (intervals as error bars) into ``path``."""
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    _draw(ax, records, axis, [a for a in axes if a != axis], name)
    ax.set_title(f"{name} vs {axis}")
    save_figure(fig, path)


def metrics_grid(records: Sequence[dict[str, Any]], axis: str, axes: Sequence[str],
                 names: Sequence[str], path: Path) -> None:
    """Every metric in ``names`` against one axis, one panel each, into ``path``."""
    rows = max(1, math.ceil(len(names) / GRID_COLUMNS))
    fig = Figure(figsize=(4.2 * GRID_COLUMNS, 3.0 * rows))
    # fixed margins: tight_layout costs seconds on a grid of this size
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.27 / rows, top=1 - 0.3 / rows,
                        wspace=0.3, hspace=0.55)
    for k, name in enumerate(names):
        ax = fig.add_subplot(rows, GRID_COLUMNS, k + 1)
        _draw(ax, records, axis, [a for a in axes if a != axis], name, legend=k == 0)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("")
        ax.set_ylabel("")
    fig.suptitle(f"every metric against {axis} (intervals where the metric has one)",
                 y=1 - 0.08 / rows)
    save_figure(fig, path)


def bar_chart(labels: Sequence[str], values: Sequence[tuple[float, float, float]], xlabel: str,
              title: str, path: Path) -> None:
    """Horizontal bars (first label on top) with intervals into ``path``."""
    height = 0.35 * len(labels) + 1.6
    fig = Figure(figsize=(8.0, height))
    ax = fig.add_subplot()
    ys = list(range(len(labels)))[::-1]
    centre = [v[0] for v in values]
    err = [[max(v[0] - v[1], 0.0) if not math.isnan(v[1]) else 0.0 for v in values],
           [max(v[2] - v[0], 0.0) if not math.isnan(v[2]) else 0.0 for v in values]]
    colours = ["tab:red" if c > 0 else "tab:blue" for c in centre]
    ax.barh(ys, centre, xerr=err, color=colours, capsize=3)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_title(title, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(axis="x", labelsize=8)
    longest = max((len(label) for label in labels), default=10)
    # margins in inches turned into figure fractions: room for long names and a 2-line label
    fig.subplots_adjust(left=min(0.6, (0.3 + 0.065 * longest) / 8.0), right=0.97,
                        bottom=0.75 / height, top=1 - 0.4 / height)
    save_figure(fig, path)
