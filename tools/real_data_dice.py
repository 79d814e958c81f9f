"""The dice row of the real-data table (``tools/real_data_table.py --scene dice``): the recipe of
``tools/dice_check.py`` (a detector trained on renders only, scored on real dice photos), its
figures in the table's columns (mAP@.5 instead of accuracy), its note and per-class AP plot."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dice_check
import numpy as np
from check_training import tstr_trtr_bars

GAP_IMAGES = 200  # rendered and real photos per side for KID and C2ST (the dev set's size)


def dice_row(args: argparse.Namespace, real_dir: Path, cap: int,
             gap_metrics: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Every figure of the dice row: ``dice_check``'s defaults (``--n`` overrides the rendered
    set's size), KID and C2ST of the first rendered photos against the real ones."""
    argv = ["--real", str(real_dir)]
    if args.n:
        argv += ["--n", str(args.n)]
    if args.cache:
        argv += ["--cache", str(args.cache)]
    check_args = dice_check.parse_args(argv)
    row = dice_check.measure(check_args)
    row.pop("_gallery")
    rendered, real = row.pop("_rendered"), row.pop("_real")
    start = time.perf_counter()
    n = min(len(rendered), len(real), GAP_IMAGES)
    gap = gap_metrics(np.stack(rendered[:n]), np.zeros(n, np.int64), np.stack(real[:n]),
                      np.zeros(n, np.int64), ("die",), cap)
    row["wall_s"]["kid_c2st_s"] = round(time.perf_counter() - start, 1)
    row["wall_s"]["total_s"] = round(row["wall_s"]["total_s"] + row["wall_s"]["kid_c2st_s"], 1)
    return {**row, **gap, "task": "detection", "scene": row["spec"],
            "real": f"{real_dir.name} ({row['n_real']:,} photos)"}


def map50(result: dict[str, Any]) -> str:
    """mAP@.5 of one scoring, with the class-agnostic one."""
    return f"mAP@.5 {result['map50']:.3f} (any class {result['map50_agnostic']:.3f})"


def dice_cells(row: dict[str, Any]) -> list[str]:
    """The row's cells from "TSTR, whole real set" to "TRTR, held-out half"."""
    return [map50(row["tstr_whole"]), map50(row["tstr_held_out"]), map50(row["trtr_held_out"])]


def dice_note(row: dict[str, Any], name: str) -> str:
    """What the row rests on."""
    wall, t = row["wall_s"], row["tstr_whole"]
    per_class = ", ".join(f"{k}: {v:.2f}" for k, v in t["ap50_per_class"].items())
    return (f"- {name}: the default detector of `synth eval --task detection` "
            f"(`{row['model']}`, {row['image_size']} px crops, from scratch) trained on "
            f"{row['n_rendered_train']:,} renders for {row['tstr_training']['steps']} steps (TSTR) "
            f"and on {row['n_real_train']:,} real photos for {row['trtr_training']['steps']} steps "
            f"(TRTR); scored on {t['n_images']} real photos (whole) and "
            f"{row['tstr_held_out']['n_images']} (held-out half). \"any class\": every class "
            f"merged into one (finding dice, not reading them). TSTR AP@.5 per pip count (whole "
            f"set): {per_class}. KID and C2ST: {row['n_rendered']:,} rendered vs "
            f"{row['n_real']:,} real photos. Command: `{row['command']}`; wall time "
            f"{wall['total_s']:.0f} s (loading + rendering {wall['load_and_render_s']:.0f} s, "
            f"TSTR training {wall['tstr_train_s']:.0f} s, TRTR training {wall['trtr_train_s']:.0f} s, "
            f"KID + C2ST {wall['kid_c2st_s']:.0f} s) on {row['cpu_cores']} CPU cores, training on "
            f"{row['train_threads']} torch threads. Per-class "
            f"AP: [{row['per_class_plot']}]({row['per_class_plot']}).")


def dice_per_class_plot(row: dict[str, Any]) -> bytes:
    """PNG of TSTR and TRTR AP@.5 per pip count on the held-out half."""
    tstr, trtr = row["tstr_held_out"], row["trtr_held_out"]

    def bars(result: dict[str, Any], label: str) -> tuple[list[float], str]:
        return ([v or 0.0 for v in result["ap50_per_class"].values()],
                f"{label} (mAP@.5 {result['map50']:.3f})")

    return tstr_trtr_bars(
        row["class_names"], (bars(tstr, "TSTR: trained on rendered"),
                             bars(trtr, "TRTR: trained on the other real half")),
        ylabel="AP@.5", xlabel="pips on the face up",
        title=f"{row['scene']} vs {row['real']}: AP@.5 on the held-out real half "
              f"({trtr['n_images']} photos)")
