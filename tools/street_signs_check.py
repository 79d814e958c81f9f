"""Sim-to-real check of ``scenes/street-signs.yaml``: a detector trained only on renders, scored on
real road photos of the GTSDB layout (``gt.txt`` beside the images).

The recipe: render ``--n`` frames (1360x800) to a folder (``--cache`` keeps it for a rerun), then
the detection task gap of ``synth eval`` (its default detector, from scratch, on random crops):
TSTR trains on the renders, TRTR on a seeded half of the real set, both for ``--steps`` steps,
both scored with pycocotools on the other (held-out) half. Classes are GTSDB's four categories
through ``scenes/gtsdb-categories.yaml`` (``--classes 43``: the 43 sign classes). It writes
``street-signs-<classes>.json`` (every figure, the split, wall times), a per-class AP plot and
a failure gallery of the held-out photos into ``--out``.

    python tools/street_signs_check.py [--real ../shared/data/gtsdb-dev] [--n 2000]
        [--steps 1500] [--classes categories|43] [--cache DIR] [--out docs/real-data]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

from check_training import Laps, tstr_trtr_bars  # noqa: E402

from renderer.datasets import load, to_eval_set  # noqa: E402
from renderer.datasets.base import LoadedDataset  # noqa: E402
from renderer.evaluate.taskgap.common import apply_class_map, load_class_map  # noqa: E402
from renderer.evaluate.taskgap.detection import detection_gap  # noqa: E402
from renderer.evaluate.taskgap.options import DetectionConfig  # noqa: E402
from renderer.evaluate.taskgap.sources import Annotated  # noqa: E402
from renderer.rng import stream  # noqa: E402
from renderer.run import RunConfig, run_dataset  # noqa: E402
from renderer.spec.load import load_spec  # noqa: E402

SPEC = ROOT / "scenes" / "street-signs.yaml"
CATEGORIES = ROOT / "scenes" / "gtsdb-categories.yaml"
DEFAULT_REAL = ROOT.parent / "shared" / "data" / "gtsdb-dev"
DEFAULTS = {"n": 2000, "steps": 1500, "image_size": 256, "batch": 16, "seed": 0, "workers": 2,
            "threads": 2}
GALLERY_SIDE = 680  # px width of each gallery photo


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL, help="GTSDB-layout folder")
    parser.add_argument("--n", type=int, default=DEFAULTS["n"], help="rendered training frames")
    parser.add_argument("--steps", type=int, default=DEFAULTS["steps"], help="steps per detector")
    parser.add_argument("--image-size", type=int, default=DEFAULTS["image_size"],
                        help="side of the training crops, px")
    parser.add_argument("--classes", choices=("categories", "43"), default="categories")
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    parser.add_argument("--workers", type=int, default=DEFAULTS["workers"], help="render processes")
    parser.add_argument("--threads", type=int, default=DEFAULTS["threads"],
                        help="torch threads for training and scoring (after rendering)")
    parser.add_argument("--cache", type=Path, help="keep the rendered frames here")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "real-data")
    return parser.parse_args(argv)


def render_frames(n: int, seed: int, workers: int, cache: Path | None, scratch: Path) -> Path:
    """Render (or reuse) ``n`` frames of the scene as a COCO folder; returns the folder."""
    spec = load_spec(SPEC)
    out = (cache or scratch) / f"street-signs-{spec.spec_hash()[:16]}-s{seed}-n{n}"
    if not (out / "manifest.json").is_file():
        run_dataset(spec, RunConfig(out=out, n=n, seed=seed, workers=workers, resume=True,
                                    options={}))
    return out


class FolderSource:
    """Rendered frames read from disk one at a time (a frame is 3 MB decoded: thousands would not
    fit in memory), in a fresh seeded order every epoch, classes mapped by name."""

    def __init__(self, dataset: LoadedDataset, index: dict[str, int],
                 class_map: dict[str, str]) -> None:
        self.dataset = dataset
        self.mapping = np.array([index.get(class_map.get(n, n), -1) for n in dataset.class_names]
                                + [-1], np.int64)

    def __len__(self) -> int:
        return len(self.dataset)

    def epoch(self, index: int, *, rng: np.random.Generator) -> Iterator[Annotated]:
        for i in rng.permutation(len(self.dataset)):
            sample = self.dataset[int(i)]
            classes = self.mapping[sample.category_ids] if len(sample.category_ids) else \
                np.zeros(0, np.int64)
            keep = classes >= 0
            yield Annotated(sample.image, sample.boxes.reshape(-1, 4)[keep].astype(np.float32),
                            classes[keep])


def measure(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    """Every figure of one run (see module docstring)."""
    timed = Laps()

    class_map = load_class_map(CATEGORIES) if args.classes == "categories" else {}
    real = apply_class_map(to_eval_set(load(args.real, format="gtsdb")), class_map)
    timed("load_real_s")
    frames = render_frames(args.n, args.seed, args.workers, args.cache, scratch)
    rendered = load(frames)
    timed("render_s")
    torch.set_num_threads(args.threads)  # the render workers are done: training gets the cores
    names = list(real.class_names or ())
    source = FolderSource(rendered, {n: k for k, n in enumerate(names)}, class_map)
    shown = apply_class_map(to_eval_set(rendered, indices=range(min(8, len(rendered)))), class_map)
    config = DetectionConfig(steps=args.steps, image_size=args.image_size,
                             batch_size=DEFAULTS["batch"], device="cpu")
    result = detection_gap(shown, real, config, rng=stream(args.seed, 0, "street_signs_check"),
                           train_source=source)
    timed("train_and_score_s")
    return {"scene": SPEC.relative_to(ROOT).as_posix(), "real": str(args.real.name),
            "classes": args.classes, "class_names": names, "n_rendered_train": len(rendered),
            "steps": args.steps, "image_size": args.image_size, "result": result,
            "train_threads": args.threads,
            "wall_s": timed.seconds()}


def per_class_plot(row: dict[str, Any]) -> bytes:
    """PNG: AP@.5 per class of TSTR and TRTR on the held-out real half."""
    names, result = row["class_names"], row["result"]

    def bars(key: str, label: str) -> tuple[list[float], str]:
        per_class = result[key]["ap50_per_class"]
        # a class without real boxes in the held-out half has no AP (None): drawn as 0
        return ([per_class[n]["value"] or 0.0 for n in names],
                f"{label} (mAP@.5 {result[key]['map50']['value']:.3f})")

    return tstr_trtr_bars(
        names, (bars("tstr", "TSTR: trained on renders"), bars("trtr", "TRTR: trained on real photos")),
        ylabel="AP@.5", title=f"{row['scene']} vs {row['real']}: AP@.5 on the held-out real half "
                              f"({result['split']['real_test']} photos)")


def gallery(row: dict[str, Any], real_dir: Path, n: int = 6) -> np.ndarray:
    """The held-out photos the render-trained detector got most wrong: truth green, missed truth
    red, false detections orange, right box with a wrong class magenta (BGR image)."""
    real = load(real_dir, format="gtsdb")
    tiles = []
    for item in row["result"]["gallery"]["real"][:n]:
        image = cv2.cvtColor(real[item["index"]].image, cv2.COLOR_RGB2BGR)
        truth, found = item["truth"]["boxes"], item["detections"]["boxes"]
        wrong = {d for _, d in item["wrong_class"]}
        for k, box in enumerate(truth):
            colour = (0, 0, 255) if k in item["missed"] else (0, 200, 0)
            cv2.rectangle(image, *_corners(box, 4), colour, 3)
        for k, box in enumerate(found):
            if k in item["false"] or k in wrong:
                cv2.rectangle(image, *_corners(box, 0), (0, 140, 255) if k in item["false"]
                              else (255, 0, 255), 2)
        scale = GALLERY_SIDE / image.shape[1]
        tiles.append(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    while len(tiles) % 2:
        tiles.append(np.zeros_like(tiles[0]))
    return np.vstack([np.hstack(tiles[i:i + 2]) for i in range(0, len(tiles), 2)])


def _corners(box: np.ndarray, pad: int) -> tuple[tuple[int, int], tuple[int, int]]:
    x1, y1, x2, y2 = (int(round(float(v))) for v in box)
    return (x1 - pad, y1 - pad), (x2 + pad, y2 + pad)


def to_json(value: Any) -> Any:
    """numpy inside ``value`` as plain JSON types."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def summary(row: dict[str, Any]) -> str:
    """Headline lines of a run."""
    result = row["result"]
    lines = [f"{row['classes']}: mAP@.5 on the held-out half ({result['split']['real_test']} photos):"
             f" TSTR {result['tstr']['map50']['value']:.3f} [{result['tstr']['map50']['ci_low']:.3f}, "
             f"{result['tstr']['map50']['ci_high']:.3f}], TRTR {result['trtr']['map50']['value']:.3f}"
             f" [{result['trtr']['map50']['ci_low']:.3f}, {result['trtr']['map50']['ci_high']:.3f}]"]
    for key in ("tstr", "trtr"):
        sizes = ", ".join(f"{k} {'-' if v is None else f'{v:.3f}'}"
                          for k, v in result[key]["ap50_by_size"].items())
        lines.append(f"  {key} AP@.5 by size: {sizes}; class-agnostic mAP@.5 "
                     f"{result[key]['map50_agnostic']['value']:.3f}")
    lines.append(f"  wall time {row['wall_s']}")
    return "\n".join(lines)


def table_row(row: dict[str, Any]) -> dict[str, Any]:
    """The figures of a run that the README's real-data table shows."""
    result = row["result"]
    pick = ("value", "ci_low", "ci_high")
    return {"scene": row["scene"], "real": row["real"], "classes": row["classes"],
            "tstr_map50": {k: result["tstr"]["map50"][k] for k in pick},
            "trtr_map50": {k: result["trtr"]["map50"][k] for k in pick},
            "n_rendered_train": row["n_rendered_train"], "n_real_train": result["split"]["real_train"],
            "n_real_test": result["split"]["real_test"], "steps": row["steps"],
            "wall_s": row["wall_s"], "files": row["files"], "train_threads": row["train_threads"]}


def markdown(rows: dict[str, dict[str, Any]]) -> str:
    """The detection table (mAP@.5 on the held-out real half) and what each row rests on."""
    if not rows:
        return ""
    lines = ["", "| scene | real set | classes | TSTR mAP@.5, held-out half [95% CI] "
             "| TRTR mAP@.5, held-out half [95% CI] | wall time |", "|---" * 6 + "|"]
    notes = []
    for name, row in rows.items():
        cells = [f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"
                 for m in (row["tstr_map50"], row["trtr_map50"])]
        lines.append(f"| `{row['scene']}` | {row['real']} | {row['classes']} | {cells[0]} "
                     f"| {cells[1]} | {row['wall_s']['total_s'] / 60:.1f} min |")
        notes.append(f"- {name}: TSTR trained on {row['n_rendered_train']:,} rendered frames, TRTR "
                     f"on {row['n_real_train']} real photos, {row['steps']} steps each; scored on "
                     f"{row['n_real_test']} held-out real photos. Command: `{row['command']}`; wall "
                     f"time {row['wall_s']['total_s']:.0f} s (rendering "
                     f"{row['wall_s']['render_s']:.0f} s, training and scoring both detectors "
                     f"{row['wall_s']['train_and_score_s']:.0f} s) on "
                     f"{row['cpu_cores']} CPU cores, training on {row['train_threads']} torch "
                     f"thread{'s' if row['train_threads'] > 1 else ''}. "
                     f"AP per class: [{row['files']['per_class_plot']}]"
                     f"({row['files']['per_class_plot']}); failures: "
                     f"[{row['files']['failures']}]({row['files']['failures']}).")
    return "\n".join([*lines, "", *notes]) + "\n"


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Measure, write the JSON, the per-class plot and the failure gallery into ``args.out``;
    returns the (JSON-able) row."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        row = to_json(measure(args, Path(scratch)))
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"street-signs-{args.classes}"
    row["files"] = {"json": f"{stem}.json", "per_class_plot": f"{stem}-per-class.png",
                    "failures": f"{stem}-failures.jpg"}
    (args.out / row["files"]["json"]).write_text(json.dumps(row, indent=1) + "\n")
    (args.out / row["files"]["per_class_plot"]).write_bytes(per_class_plot(row))
    cv2.imwrite(str(args.out / row["files"]["failures"]), gallery(row, args.real),
                [cv2.IMWRITE_JPEG_QUALITY, 80])
    return row


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")  # training progress
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    if not (args.real / "gt.txt").is_file():
        print(f"error: {args.real} is not a GTSDB-layout folder (no gt.txt)", file=sys.stderr)
        return 2
    print(summary(run(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
