"""Report section of the detection task gap (see :mod:`renderer.evaluate.report`).

COCO numbers of TSTR and TRTR with the gap, precision-recall curves (the worst classes when
there are many), AP@.5 per class, AP by object size, the class confusion of matched detections
and failure galleries: real test images with their misses and false positives drawn, worst
first, and a few renders scored by the same TSTR model.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from renderer.evaluate import html as h
from renderer.evaluate import plots
from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.report_sections import interval

MAX_CURVES = 8
GALLERY_SIDE = 480  # px, longer side of a gallery image
COLOURS = {"correct": (40, 170, 60), "missed": (255, 200, 0), "false": (230, 30, 30),
           "wrong": (200, 40, 220)}


def _value(entry: Any) -> float | None:
    return entry.get("value") if isinstance(entry, dict) else entry


def _score_rows(task: dict[str, Any]) -> list[tuple]:
    rows = []
    for key, label in (("map50", "mAP@.5"), ("map", "mAP@[.5:.95]"),
                       ("map50_agnostic", "class-agnostic mAP@.5")):
        gap = task["gap"] if key == "map50" else task["gap"].get(key, {})
        rows.append((label, _value(task["tstr"][key]), interval(task["tstr"][key]),
                     _value(task["trtr"][key]), interval(task["trtr"][key]),
                     _value(gap), interval(gap)))
    for key, label in (("ar100", "AR@100"), ("ap_small", "AP small"),
                       ("ap_medium", "AP medium"), ("ap_large", "AP large")):
        rows.append((label, task["tstr"]["coco"][key], "", task["trtr"]["coco"][key], "", "", ""))
    return rows


def _curves(task: dict[str, Any]) -> str:
    names = task["class_names"]
    ap = {k: _value(task["tstr"]["ap50_per_class"][n]) for k, n in enumerate(names)}
    present = [k for k in range(len(names)) if ap[k] is not None]
    worst = sorted(present, key=lambda k: (ap[k], k))[:MAX_CURVES]
    parts = []
    for model in ("tstr", "trtr"):
        curves = task[model]["pr_curves"]
        lines = {names[k]: curves["precision"][k] for k in worst
                 if curves["precision"][k] is not None}
        title = f"{model.upper()} precision-recall at IoU 0.5"
        if len(present) > MAX_CURVES:
            title += f" ({MAX_CURVES} classes of lowest TSTR AP)"
        parts.append(h.plot(plots.pr_curves(curves["recall"], lines, title), title))
    return "".join(parts)


def _per_class_bars(task: dict[str, Any]) -> str:
    names = task["class_names"]
    present = [n for n in names if _value(task["trtr"]["ap50_per_class"][n]) is not None
               or _value(task["tstr"]["ap50_per_class"][n]) is not None]
    series = {model.upper(): [_value(task[model]["ap50_per_class"][n]) for n in present]
              for model in ("tstr", "trtr")}
    sizes = ["small", "medium", "large"]
    by_size = {model.upper(): [task[model]["ap50_by_size"][s] for s in sizes]
               for model in ("tstr", "trtr")}
    return (h.plot(plots.grouped_bars(present, series, "AP@.5 per class on the real test split",
                                      "AP@.5"), "AP per class") +
            h.plot(plots.grouped_bars(["small (<32 px)", "medium", "large (>96 px)"], by_size,
                                      "AP@.5 by object size (COCO ranges, box area)", "AP@.5"),
                   "AP by size"))


def _draw(image: np.ndarray, entry: dict[str, Any], names: list[str]) -> np.ndarray:
    canvas = np.ascontiguousarray(np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image)
    scale = min(1.0, GALLERY_SIDE / max(canvas.shape[:2]))
    if scale < 1.0:
        canvas = cv2.resize(canvas, (round(canvas.shape[1] * scale), round(canvas.shape[0] * scale)),
                            interpolation=cv2.INTER_AREA)
    truth, found = entry["truth"], entry["detections"]
    wrong = {int(d) for _, d in entry["wrong_class"]}
    marks = [(truth["boxes"][g], "missed", names[int(truth["classes"][g])])
             for g in entry["missed"]]
    for d in range(len(found["boxes"])):
        status = "wrong" if d in wrong else "false" if d in set(entry["false"]) else "correct"
        marks.append((found["boxes"][d], status, f"{names[int(found['labels'][d])]} "
                                                 f"{float(found['scores'][d]):.2f}"))
    for box, status, text in marks:
        x1, y1, x2, y2 = (int(round(float(v) * scale)) for v in box)
        colour = COLOURS[status]
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, 2 if status != "correct" else 1)
        cv2.putText(canvas, text[:20], (x1, max(10, y1 - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    colour, 1, cv2.LINE_AA)
    return canvas


def _gallery(entries: list[dict[str, Any]], evalset: EvalSet, names: list[str]) -> str:
    images = [_draw(evalset.images[e["index"]], e, names) for e in entries]
    captions = [f"{evalset.names[e['index']]}: {len(e['missed'])} missed, {len(e['false'])} "
                f"false, {len(e['wrong_class'])} wrong class" for e in entries]
    return f'<div class="gallery">{h.strip(images, captions, GALLERY_SIDE)}</div>'


def detection_section(task: dict[str, Any], synthetic: EvalSet, real: EvalSet) -> str:
    """The detection task gap: numbers, plots, confusion and failure galleries."""
    names = list(task["class_names"])
    split = task["split"]
    text = (f"Detector {task['model']} trained from scratch on {task['image_size']} px crops, "
            f"inferred on whole images at scales {task['scales']}. Real set split at random "
            f"into {split['real_train']} training and {split['real_test']} test images; TSTR "
            f"trained on {split['synthetic_train']} synthetic images per epoch. COCO metrics by "
            "pycocotools; intervals: bootstrap over real test images (training randomness not "
            "included); gap = TRTR - TSTR. Class-agnostic: every class merged, i.e. finding "
            "objects without telling their class.")
    training = task.get("training", {})
    notes = [h.paragraph(f"{m.upper()} training stopped early (Ctrl-C) at step "
                         f"{training[m]['steps']} of {training[m]['planned_steps']}.", "warn")
             for m in ("tstr", "trtr") if training.get(m, {}).get("interrupted")]
    headers = ["metric", "TSTR", "interval", "TRTR", "interval", "gap", "interval"]
    legend = ("Boxes: yellow = missed object, red = false detection, magenta = right place, "
              f"wrong class, green = correct (detections scoring >= {task['score_threshold']}).")
    labels = [*names, "(nothing)"]
    confusions = [h.plot(plots.confusion_matrix(
        np.asarray(task["confusion"][m]), labels,
        f"{m.upper()} matched detections (row-normalised; last row/column: nothing)"),
        f"{m} confusion") for m in ("tstr", "trtr")]
    return h.section(
        "Task gap: detection (train on synthetic, test on real)", h.paragraph(text), *notes,
        h.table(headers, _score_rows(task)), _curves(task), _per_class_bars(task), *confusions,
        h.subsection("Failures of the TSTR model on real test images (worst first)",
                     h.paragraph(legend, "muted"),
                     _gallery(task["gallery"]["real"], real, names)),
        h.subsection("The same model on renders",
                     _gallery(task["gallery"]["synthetic"], synthetic, names)))
