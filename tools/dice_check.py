"""Dice on real photos: train the default detector of ``synth eval --task detection`` on renders
of ``scenes/dice.yaml`` only, from scratch, and score it on real top-down dice photos (COCO,
classes "1".."6" = pips on the face up).

TSTR is scored on the whole real set and on its held-out half; TRTR (the same detector and
number of optimisation steps, trained on the other real half) on the same held-out half. For
each: mAP@.5 over the six classes, the class-agnostic mAP@.5 (finding dice vs reading pips),
AP@.5 per class and the confusion between pip counts at the detector's score threshold. A
failure gallery (the TSTR model's worst real images: truth in green, detections in red with
their class, misses in yellow) is written beside the figures.

    python tools/dice_check.py [--real ../shared/data/dice-dev] [--n 2000] [--steps 1500]
        [--out docs/real-data] [--cache DIR] [--set PATH=VALUE ...]

Rendering uses ``--workers`` processes (2), then training and scoring ``--threads`` torch
threads (2: the cores the renderers used).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

from check_training import Laps  # noqa: E402

from renderer.datasets import load, to_eval_set  # noqa: E402
from renderer.evaluate.evalset import EvalSet  # noqa: E402
from renderer.evaluate.taskgap.common import image_split, match_by_name  # noqa: E402
from renderer.evaluate.taskgap.detection import evaluate_detector  # noqa: E402
from renderer.evaluate.taskgap.options import DetectionConfig  # noqa: E402
from renderer.evaluate.taskgap.sources import EvalSetSource  # noqa: E402
from renderer.evaluate.taskgap.training import train_detector  # noqa: E402
from renderer.rng import stream  # noqa: E402
from renderer.run import RunConfig, run_dataset  # noqa: E402
from renderer.spec.load import load_spec  # noqa: E402

DEFAULT_SPEC = ROOT / "scenes" / "dice.yaml"
DEFAULT_REAL = ROOT.parent / "shared" / "data" / "dice-dev"
# 1,500 steps of 16 crops per model on 2,000 renders keep the whole check (render, TSTR, TRTR,
# scoring) near 40 minutes on 2 CPU cores (22 crops/s on 2 torch threads)
DEFAULTS = {"n": 2000, "steps": 1500, "seed": 0, "workers": 2, "threads": 2}
PIPS = tuple(str(k) for k in range(1, 7))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The recipe's options (``parse_args([])`` gives its defaults)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                   help="override a field of the spec (repeatable)")
    p.add_argument("--real", type=Path, default=DEFAULT_REAL, help="COCO set of real dice photos")
    p.add_argument("--n", type=int, default=DEFAULTS["n"], help="rendered training images")
    p.add_argument("--steps", type=int, default=DEFAULTS["steps"], help="optimiser steps per model")
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    p.add_argument("--workers", type=int, default=DEFAULTS["workers"], help="render processes")
    p.add_argument("--threads", type=int, default=DEFAULTS["threads"],
                   help="torch threads for training and scoring")
    p.add_argument("--cache", type=Path, help="keep the rendered set here for a rerun")
    p.add_argument("--out", type=Path, help="write dice-check.json and the gallery here")
    p.add_argument("--no-trtr", action="store_true", help="skip the real-trained baseline")
    return p.parse_args(argv)


def detection_config(steps: int | None) -> DetectionConfig:
    """The detection task gap's defaults on the CPU (``steps``: a fixed number of steps)."""
    return replace(DetectionConfig(), steps=steps, device="cpu")


def render_set(spec_path: Path, overrides: list[str], n: int, seed: int, workers: int,
               cache: Path | None) -> EvalSet:
    """``n`` renders of the spec as a detection :class:`EvalSet` (from ``cache`` when there)."""
    spec = load_spec(spec_path, overrides=overrides)
    folder = (cache or Path("/tmp") / "dice-check") / f"dice-{spec.spec_hash()[:16]}-s{seed}-n{n}"
    if not (folder / "manifest.json").is_file():
        run_dataset(spec, RunConfig(out=folder, n=n, seed=seed, workers=workers, overwrite=True))
    return to_eval_set(load(folder))


def real_split(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(fit, held-out) image indices of the real set, seeded by a named stream."""
    return image_split(n, 0.5, rng=stream(0, 0, "real_data_table/split"))


def scores(result: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The figures of one evaluation: mAP@.5, agnostic mAP@.5, AP@.5 per class, confusion."""
    s = result["scores"]
    return {"map50": s["map50"]["value"], "map50_ci": [s["map50"]["ci_low"], s["map50"]["ci_high"]],
            "map": s["map"]["value"], "map50_agnostic": s["map50_agnostic"]["value"],
            "ap50_per_class": {k: s["ap50_per_class"][k]["value"] for k in names},
            "confusion": np.asarray(result["confusion"]).tolist(),
            "n_images": len(result["per_image"])}


def gallery(real: EvalSet, result: dict[str, Any], names: tuple[str, ...], tile: int = 480
            ) -> np.ndarray:
    """RGB contact sheet of the worst images: truth green, detections red, misses yellow."""
    tiles = []
    for item in result["gallery"]:
        image = cv2.cvtColor(real.images[item["index"]], cv2.COLOR_RGB2BGR)
        for k, box in enumerate(item["truth"]["boxes"]):
            colour = (0, 220, 255) if k in item["missed"] else (0, 200, 0)
            cv2.rectangle(image, *_corners(box), colour, 2)
        det = item["detections"]
        for box, label in zip(det["boxes"], det["labels"], strict=True):
            (x0, y0), corner = _corners(box)
            cv2.rectangle(image, (x0, y0), corner, (0, 0, 255), 1)
            cv2.putText(image, names[int(label)], (x0, max(y0 - 2, 10)), cv2.FONT_HERSHEY_SIMPLEX,
                        0.5, (0, 0, 255), 2)
        tiles.append(cv2.resize(image, (tile, tile), interpolation=cv2.INTER_AREA))
    while len(tiles) % 4:
        tiles.append(np.zeros_like(tiles[0]))
    sheet = np.vstack([np.hstack(tiles[i:i + 4]) for i in range(0, len(tiles), 4)])
    return cv2.cvtColor(sheet, cv2.COLOR_BGR2RGB)


def _corners(box: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]]:
    x0, y0, x1, y1 = (int(round(float(v))) for v in box)
    return (x0, y0), (x1, y1)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Render, train TSTR (and TRTR), score; every figure of the check with its wall times."""
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    timed = Laps()

    real = to_eval_set(load(args.real))
    names = tuple(real.class_names or ())
    if names != PIPS:
        raise SystemExit(f"{args.real}: expected classes {', '.join(PIPS)} (pips up), got "
                         f"{', '.join(names) or 'none'}")
    rendered = render_set(args.spec, args.overrides, args.n, args.seed, args.workers, args.cache)
    timed("load_and_render_s")
    torch.set_num_threads(args.threads)  # the render workers are done: training gets the cores
    config = detection_config(args.steps)
    fit, held_out = real_split(len(real))
    mapping = match_by_name(list(rendered.class_names or ()), list(names))
    rng = stream(args.seed, 0, "dice_check/train")
    draws = stream(args.seed, 0, "dice_check/bootstrap")
    tstr, history = train_detector(EvalSetSource(rendered, np.arange(len(rendered)), mapping),
                                   len(names), config, rng=rng)
    timed("tstr_train_s")
    whole = evaluate_detector(tstr, real, np.arange(len(real)), list(names), config, rng=draws)
    part = evaluate_detector(tstr, real, held_out, list(names), config, rng=draws)
    timed("tstr_score_s")
    row: dict[str, Any] = {
        "spec": args.spec.resolve().relative_to(ROOT).as_posix() if args.spec.resolve().is_relative_to(ROOT)
        else str(args.spec), "overrides": args.overrides, "real": str(args.real.name),
        "n_real": len(real), "n_rendered_train": len(rendered),
        "image_size": config.image_size, "batch_size": config.batch_size, "model": config.model,
        "train_threads": args.threads,
        "score_threshold": config.score_threshold, "class_names": list(names),
        "tstr_whole": scores(whole, names), "tstr_held_out": scores(part, names),
        "tstr_training": {k: history[k] for k in ("steps", "final_loss", "seconds")}}
    if not args.no_trtr:
        trtr, history = train_detector(EvalSetSource(real, fit, np.arange(len(names))), len(names),
                                       config, rng=rng)
        timed("trtr_train_s")
        baseline = evaluate_detector(trtr, real, held_out, list(names), config, rng=draws)
        row["trtr_held_out"] = scores(baseline, names)
        row["trtr_training"] = {k: history[k] for k in ("steps", "final_loss", "seconds")}
        row["n_real_train"] = len(fit)
    row["wall_s"] = timed.seconds()
    # kept out of the JSON: for the contact sheet and the real-data table's KID and C2ST
    row.update(_gallery=gallery(real, whole, names), _rendered=rendered.images, _real=real.images)
    return row


def summary(row: dict[str, Any]) -> str:
    """A few lines for the terminal."""
    lines = []
    for key in ("tstr_whole", "tstr_held_out", "trtr_held_out"):
        if key in row:
            s = row[key]
            per = " ".join(f"{k}:{v:.2f}" for k, v in s["ap50_per_class"].items() if v is not None)
            lines.append(f"{key}: mAP@.5 {s['map50']:.3f} [{s['map50_ci'][0]:.3f}, "
                         f"{s['map50_ci'][1]:.3f}], agnostic {s['map50_agnostic']:.3f}; AP@.5 {per}")
    lines.append("confusion (TSTR, whole set; rows truth 1-6 + none, columns detected 1-6 + none):")
    lines += ["  " + " ".join(f"{v:4d}" for v in r) for r in row["tstr_whole"]["confusion"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # training progress
    row = measure(args)
    sheet = row.pop("_gallery")
    del row["_rendered"], row["_real"]
    print(summary(row))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "dice-check.json").write_text(json.dumps(row, indent=1) + "\n")
        cv2.imwrite(str(args.out / "dice-gallery.jpg"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 85])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
