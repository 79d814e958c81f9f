"""Trial results as tables: ``trials.csv`` (every metric with its interval) and Markdown."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from renderer.experiments.axes import value_label
from renderer.io import write_bytes_atomic

TIMING_COLUMNS = ("render_s", "eval_s", "total_s")


def metric_names(records: Sequence[dict[str, Any]]) -> list[str]:
    """Every metric of the records, in first-seen order."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record["metrics"]))
    return list(names)


def metric(record: dict[str, Any], name: str) -> tuple[float, float, float]:
    """``(value, low, high)`` of metric ``name`` in a record (NaN where absent)."""
    values = record["metrics"].get(name) or [None, None, None]
    return tuple(math.nan if v is None else float(v) for v in values)  # type: ignore[return-value]


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6g}"
    return value_label(value)


def trial_rows(records: Sequence[dict[str, Any]], params: Sequence[str]) -> tuple[list[str],
                                                                                  list[list[str]]]:
    """Header and rows: trial key, label, parameters, each metric + interval, timings (s)."""
    names = metric_names(records)
    header = ["trial", "label", *params]
    for name in names:
        header += [name, f"{name}_low", f"{name}_high"]
    header += list(TIMING_COLUMNS)
    rows = []
    for record in records:
        row = [record["key"], record["label"]]
        row += [_cell(record["params"].get(p, "")) for p in params]
        for name in names:
            row += [_cell(v) for v in metric(record, name)]
        row += [_cell(float(record["timing"].get(c, math.nan))) for c in TIMING_COLUMNS]
        rows.append(row)
    return header, rows


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Write a CSV file atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_bytes_atomic(path, buffer.getvalue().encode("utf-8"))


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table (``|`` in cells escaped)."""
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *map(line, rows)]) + "\n"


def interval_text(value: float, low: float, high: float) -> str:
    """``0.0123 [0.0101, 0.0150]`` (the interval omitted when unknown)."""
    if math.isnan(value):
        return ""
    if math.isnan(low) or math.isnan(high):
        return f"{value:.4g}"
    return f"{value:.4g} [{low:.4g}, {high:.4g}]"
