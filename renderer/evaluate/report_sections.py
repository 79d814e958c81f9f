"""Report sections of the statistics and the task gap (see :mod:`renderer.evaluate.report`)."""

from __future__ import annotations

from typing import Any

from renderer.evaluate import plots
from renderer.evaluate.html import paragraph, plot, section, subsection, table


def interval(entry: dict[str, Any] | None) -> str:
    """``[low, high]`` of a result dict, or "-" when it has no interval."""
    if not entry or entry.get("ci_low") is None or entry.get("ci_high") is None:
        return "-"
    return f"[{entry['ci_low']:.4g}, {entry['ci_high']:.4g}]"


STAT_HEADERS = ["statistic", "synthetic mean", "real mean", "W1", "KS", "KS p", "effect size",
                "spread ratio", "hint"]


def _stat_rows(rows: list[dict[str, Any]]) -> tuple[list[tuple], list[str]]:
    cells, classes = [], []
    for row in rows:
        if not row.get("available"):
            cells.append((row["name"], None, None, None, None, None, None, None, row["hint"]))
            classes.append("muted")
            continue
        cells.append((row["name"], row["synthetic"]["mean"], row["real"]["mean"], row["w1"],
                      row["ks"], row["ks_p"], row["effect_size"], row.get("spread_ratio"),
                      row["hint"]))
        classes.append("differs" if row["differs"] or row.get("spread_differs") else "")
    return cells, classes


def _stat_table(rows: list[dict[str, Any]]) -> str:
    cells, classes = _stat_rows(rows)
    return table(STAT_HEADERS, cells, classes)


def stats_section(result: dict[str, Any]) -> str:
    """Image statistics: table with hints (clear differences in bold) and histograms."""
    stats = result.get("image_stats")
    if not stats:
        return ""
    units = {row["name"]: row["unit"] for row in stats["table"]}
    per_image = stats["per_image"]
    return section(
        "Image statistics",
        paragraph("Per-image statistics at native resolution; W1 = Wasserstein-1 in the "
                  "statistic's unit, effect size = standardised mean difference (synthetic - "
                  "real), spread ratio = standard deviation synthetic / real. Bold rows differ "
                  "clearly: KS p < 0.01 and |effect| >= 0.2, or a spread ratio beyond 1.5x "
                  "either way at Brown-Forsythe p < 0.01.", "muted"),
        _stat_table(stats["table"]),
        plot(plots.histogram_grid(per_image["synthetic"], per_image["real"], units),
             "image statistics histograms"))


def _class_part(title: str, freq: dict[str, Any]) -> str:
    chart = plots.grouped_bars(freq["classes"], {"synthetic": freq["synthetic"],
                                                 "real": freq["real"]}, title, "fraction")
    hints = "".join(paragraph(h) for h in freq["hints"])
    return subsection(title, paragraph(f"total variation distance "
                                       f"{freq['total_variation']:.4f}"), hints,
                      plot(chart, title))


def label_section(result: dict[str, Any]) -> str:
    """Class frequencies and box statistics of both sides."""
    labels = result.get("label_stats")
    if not labels:
        return ""
    parts = []
    if "classes" in labels:
        parts.append(_class_part("Class frequencies (images)", labels["classes"]))
    if "box_classes" in labels:
        parts.append(_class_part("Class frequencies (objects)", labels["box_classes"]))
    if "table" in labels:
        units = {row["name"]: row["unit"] for row in labels["table"]}
        per = labels["per_object"]
        parts.append(subsection("Objects and boxes", _stat_table(labels["table"]),
                                plot(plots.histogram_grid(per["synthetic"], per["real"], units),
                                     "box statistics histograms")))
    return section("Label statistics", *parts)


def tstr_section(result: dict[str, Any]) -> str:
    """Classification task gap: TSTR vs TRTR accuracies, gap, per-class accuracy and confusion
    matrices; or why no task gap ran."""
    task = result.get("tstr")
    if not task:
        return ""
    if task.get("skipped_reason"):
        return section("Task gap (train on synthetic, test on real)",
                       paragraph(f"Not run: {task['skipped_reason']}", "warn"))
    names = task["class_names"]
    rows = [(name.upper(), task[name]["value"], interval(task[name]), task[name]["n_a"],
             task[name]["n_b"]) for name in ("tstr", "trtr")]
    gap = task["gap"]
    rows.append(("gap (TRTR - TSTR)", gap["value"], interval(gap), "", gap["n_test"]))
    split = task["split"]
    text = (f"Model {task['model']} at {task['size']} px. Real set split per class into "
            f"{split['real_train']} training and {split['real_test']} test images; TSTR trained "
            f"on {split['synthetic_train']} synthetic images ({task['dropped_synthetic']} dropped: "
            "class absent from the real set). Intervals: bootstrap over test images (training "
            "randomness not included).")
    per_class = plots.grouped_bars(names, {"TSTR": task["per_class"]["tstr"],
                                           "TRTR": task["per_class"]["trtr"]},
                                   "per-class accuracy on the real test split", "accuracy")
    confusions = [plot(plots.confusion_matrix(task["confusion"][name], names,
                                              f"{name.upper()} confusion (row-normalised)"),
                       f"{name} confusion matrix") for name in ("tstr", "trtr")]
    return section("Task gap (train on synthetic, test on real)", paragraph(text),
                   table(["model", "accuracy", "interval", "train images", "test images"], rows),
                   plot(per_class, "per-class accuracy"), *confusions)
