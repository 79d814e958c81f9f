"""The evaluation report: ``run_evaluation`` -> ``write_report`` (``report.json`` + ``index.html``).

``report.json`` holds every number of the result. ``index.html`` is self-contained (plots and
images inline as base64 PNG, no external references; all user text escaped) with one section per
metric family: summary, features, sample grids, distances, domain classifier (most synthetic- and
most real-looking images), nearest neighbours, image statistics with hints, label statistics, the
task gap with confusion matrices, plan correlations.

Example::

    result = run_evaluation(synthetic, real, EvalConfig(seed=0))
    write_report(result, synthetic, real, Path("report"))
    failures = check_gates(result, parse_fail_above("kid=0.05,c2st_auc=0.8"))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from renderer.evaluate import html as h
from renderer.evaluate import plots
from renderer.evaluate.engine import run_evaluation
from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.gates import check_gates, parse_fail_above
from renderer.evaluate.report_sections import (
    interval,
    label_section,
    stats_section,
    tstr_section,
)
from renderer.io import write_bytes_atomic, write_json_atomic

__all__ = ["check_gates", "parse_fail_above", "render_html", "run_evaluation", "write_report"]

MAX_SKIPPED_ROWS = 200  # a badly broken set must not make the page unreadable
SUMMARY_HELP = {
    "fid": "Fréchet distance of features (0 = same Gaussian statistics)",
    "kid": "kernel distance of features (0 = same distribution; unbiased, can be < 0)",
    "c2st_auc": "domain-classifier AUC (0.5 = indistinguishable, 1 = separable)",
    "precision": "synthetic images inside the real manifold (fidelity)",
    "recall": "real images inside the synthetic manifold (diversity)",
    "density": "~1 when alike; > 1 crowds dense real regions",
    "coverage": "real neighbourhoods reached by synthetic images",
    "tstr_accuracy": "trained on synthetic, tested on real",
    "trtr_accuracy": "trained on real, tested on real",
    "tstr_map50": "detector trained on synthetic: mAP@.5 on real",
    "trtr_map50": "detector trained on real: mAP@.5 on real",
    "tstr_gap": "TRTR - TSTR (accuracy, or mAP@.5 for detection)",
}


def write_report(result: dict[str, Any], synthetic: EvalSet, real: EvalSet,
                 out_dir: Path) -> tuple[Path, Path]:
    """Write ``out_dir/report.json`` and ``out_dir/index.html`` (atomically); return both paths.

    ``synthetic`` and ``real`` are the sets given to :func:`run_evaluation` (the report shows
    their images; the result's ``samples`` indices select the evaluated subsets).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / "report.json", out_dir / "index.html"
    write_json_atomic(json_path, result, indent=1)
    write_bytes_atomic(html_path, render_html(result, synthetic, real).encode("utf-8"))
    return json_path, html_path


def render_html(result: dict[str, Any], synthetic: EvalSet, real: EvalSet) -> str:
    """The report page as a string."""
    samples = result["samples"]
    syn = synthetic.subset(np.asarray(samples["synthetic_indices"], dtype=np.int64))
    rea = real.subset(np.asarray(samples["real_indices"], dtype=np.int64))
    n_show = int(result["config"]["n_show"])
    sections = [summary_section(result), skipped_section(result), features_section(result),
                samples_section(syn, rea, n_show), distances_section(result),
                c2st_section(result, syn, rea),
                nearest_section(result, syn, rea), stats_section(result),
                label_section(result), task_section(result, syn, rea), plans_section(result)]
    return h.page("synth eval: synthetic vs real", [s for s in sections if s])


def task_section(result: dict[str, Any], synthetic: EvalSet, real: EvalSet) -> str:
    """The task gap of either kind, or why it did not run."""
    task = result.get("tstr") or {}
    if task.get("task") == "detection":
        from renderer.evaluate.report_detection import detection_section

        return detection_section(task, synthetic, real)
    return tstr_section(result)


def summary_section(result: dict[str, Any]) -> str:
    """Headline numbers with intervals."""
    rows = [(name, entry["value"], interval(entry), SUMMARY_HELP.get(name, ""))
            for name, entry in result["summary"].items()]
    conf = result["config"]["confidence"]
    headers = ["metric", "value", f"{100 * conf:g}% interval", "meaning"]
    sizes = (f"{result['samples']['synthetic']} synthetic vs {result['samples']['real']} real "
             "images.")
    return h.section("Summary", h.table(headers, rows), h.paragraph(sizes))


def skipped_section(result: dict[str, Any]) -> str:
    """Malformed items of either set that were left out (``--on-error skip``), if any."""
    skipped = result.get("skipped") or {}
    rows = [(side, problem) for side in ("real", "synthetic")
            for problem in (skipped.get(side) or {}).get("problems", [])]
    if not rows:
        return ""
    counts = ", ".join(f"{(skipped.get(side) or {}).get('count', 0)} {side}"
                       for side in ("real", "synthetic"))
    note = (f"Left out as unreadable or malformed: {counts}. The metrics describe the remaining "
            "images only.")
    if len(rows) > MAX_SKIPPED_ROWS:
        note += f" The first {MAX_SKIPPED_ROWS} are listed; report.json has them all."
    return h.section("Skipped items", h.paragraph(note, "warn"),
                     h.table(["set", "problem"], rows[:MAX_SKIPPED_ROWS]))


def features_section(result: dict[str, Any]) -> str:
    """Which extractor and preprocessing produced the features, and the comparability warning."""
    info = result["features"]
    prep = info["preprocessing"]
    rows = [("extractor", info["extractor"]), ("description", info["description"]),
            ("dimensions", info["dim"]), ("weights", info["weights"] or "none (weight-free)"),
            ("preprocessing", f"{prep['method']}; {prep['size'][0]}x{prep['size'][1]} px")]
    return h.section("Features", h.table(["", ""], rows), h.paragraph(info["warning"], "warn"))


def _spread(n: int, count: int) -> np.ndarray:
    """``count`` indices spread evenly over ``range(n)`` (deterministic, no draw)."""
    return np.unique(np.linspace(0, n - 1, num=min(n, count)).round().astype(int))


def _caption(evalset: EvalSet, i: int, extra: str = "") -> str:
    label = ""
    if evalset.labels is not None and evalset.labels[i] >= 0:
        names = evalset.class_names
        label = f" [{names[evalset.labels[i]] if names else evalset.labels[i]}]"
    return f"{evalset.names[i]}{label}{extra}"


def _examples(evalset: EvalSet, indices: list[int], extra: dict[int, str] | None = None) -> str:
    extra = extra or {}
    return h.strip([evalset.images[i] for i in indices],
                   [_caption(evalset, i, extra.get(i, "")) for i in indices])


def samples_section(synthetic: EvalSet, real: EvalSet, n_show: int) -> str:
    """Sample grids of both sides (evenly spaced over each set)."""
    real_part = _examples(real, _spread(len(real), n_show).tolist())
    synthetic_part = _examples(synthetic, _spread(len(synthetic), n_show).tolist())
    return h.section("Samples", h.subsection("Real", real_part),
                     h.subsection("Synthetic", synthetic_part))


def distances_section(result: dict[str, Any]) -> str:
    """FID and KID with intervals and their details."""
    fid, kid = result["fid"], result["kid"]
    rows = [("FID", fid["value"], interval(fid), f"{fid['n_bootstrap']} bootstrap resamples; "
             f"{fid['note']}"),
            ("KID", kid["value"], interval(kid), f"mean of {kid['n_subsets']} subsets of "
             f"{kid['subset_size']} (std {kid['subset_std']:.3g}); full-sample MMD^2 "
             f"{kid['mmd2_full_sample']:.4g}; {kid['interval']}")]
    fid_chart = plots.intervals([("FID", fid["value"], fid["ci_low"], fid["ci_high"])],
                                "Fréchet distance")
    kid_chart = plots.intervals([("KID", kid["value"], kid["ci_low"], kid["ci_high"])], "KID",
                                reference=0.0)
    headers = ["metric", "value", "interval", "details"]
    return h.section("Distances", h.table(headers, rows), h.plot(fid_chart, "FID"),
                     h.plot(kid_chart, "KID"))


def c2st_section(result: dict[str, Any], synthetic: EvalSet, real: EvalSet) -> str:
    """Domain classifier AUC, score histograms and the telling examples."""
    c2 = result["c2st"]
    scores = {"synthetic": c2["scores_synthetic"], "real": c2["scores_real"]}

    def examples(title: str, key: str, side: str) -> str:
        evalset = synthetic if side == "synthetic" else real
        indices = c2[key]
        captions = {i: f" p={scores[side][i]:.2f}" for i in indices}
        return h.subsection(title, _examples(evalset, indices, captions))

    folds = ", ".join(f"{a:.3f}" for a in c2["fold_aucs"])
    text = (f"AUC {c2['value']:.3f} {interval(c2)} ({c2['classifier']}, {c2['folds']}-fold "
            f"out-of-fold scores; folds: {folds}; accuracy {c2['accuracy']:.3f}). "
            "p = out-of-fold P(synthetic).")
    chart = plots.histogram_pair(scores["synthetic"], scores["real"], "out-of-fold P(synthetic)",
                                 "P(synthetic)")
    return h.section(
        "Domain classifier (C2ST)", h.paragraph(text), h.plot(chart, "C2ST scores"),
        examples("Most synthetic-looking synthetic images", "most_synthetic_looking", "synthetic"),
        examples("Most real-looking synthetic images", "most_real_looking", "synthetic"),
        examples("Real images that look most synthetic", "real_most_synthetic_looking", "real"))


def _pairs(pairs: list[dict[str, Any]], left: EvalSet, right: EvalSet, left_name: str,
           right_name: str) -> str:
    return h.pair_strip(
        (left.images[p["index"]], f"{left_name}: {_caption(left, p['index'])}",
         right.images[p["neighbour"]],
         f"{right_name}: {_caption(right, p['neighbour'])} (d={p['distance']:.3g})")
        for p in pairs)


def nearest_section(result: dict[str, Any], synthetic: EvalSet, real: EvalSet) -> str:
    """PRDC, nearest-neighbour distance distributions and example pairs."""
    near, prdc = result["nearest"], result.get("prdc") or {}
    rows = [(name, entry["value"]) for name, entry in prdc.items()]
    rows += list(near["summary"].items())
    k = next(iter(prdc.values()))["k"] if prdc else "-"
    note = f"k = {k}; distances in the {result['config']['knn_space']} feature space."
    chart = plots.histogram_pair(near["synthetic_to_real"]["distance"],
                                 near["real_to_synthetic"]["distance"],
                                 "nearest-neighbour distance across sets",
                                 "synthetic->real (orange), real->synthetic (green)")
    missing = _pairs(near["missing_modes"], real, synthetic, "real", "nearest synthetic")
    farthest = _pairs(near["farthest_synthetic"], synthetic, real, "synthetic", "nearest real")
    return h.section("Nearest neighbours and precision / recall / density / coverage",
                     h.table(["metric", "value"], rows), h.paragraph(note, "muted"),
                     h.plot(chart, "nearest-neighbour distances"),
                     h.subsection("Missing modes: real images far from every synthetic one",
                                  missing),
                     h.subsection("Synthetic images far from every real one", farthest))


def plans_section(result: dict[str, Any]) -> str:
    """Plan parameters correlated with looking synthetic."""
    rows = result.get("plan_correlations")
    if not rows:
        return ""
    table = h.table(["parameter", "Spearman rho", "images", "reading"],
                    [(r["parameter"], r["rho"], r["n"], r["hint"]) for r in rows])
    note = ("Rank correlation of each sampled plan value with the domain classifier's "
            "P(synthetic) over synthetic images.")
    return h.section("Plan parameters that give images away", table, h.paragraph(note, "muted"))
