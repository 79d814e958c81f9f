"""COCO detection metrics through pycocotools' ``COCOeval`` (nothing here re-implements them).

:func:`coco_evaluate` builds in-memory COCO ground truth and results, runs ``evaluate()`` and
``accumulate()``; the numbers are read from ``COCOeval.stats`` and ``COCOeval.eval["precision"]``
/ ``["recall"]`` the way ``summarize()`` reads them. The bootstrap over images reuses the per-image
matching of ``evaluate()`` (``evalImgs``): a resample is a list of image positions, the resampled
``evalImgs`` go through ``COCOeval.accumulate()`` again, so each resample costs one accumulation,
not one evaluation.

Boxes are XYXY pixels; areas are box areas (COCO's size ranges: small < 32^2 <= medium < 96^2 <=
large).
"""

from __future__ import annotations

import contextlib
import copy
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

SIZES = ("all", "small", "medium", "large")  # COCOeval's default areaRng order
STATS = {"map": 0, "map50": 1, "map75": 2, "ap_small": 3, "ap_medium": 4, "ap_large": 5,
         "ar1": 6, "ar10": 7, "ar100": 8, "ar_small": 9, "ar_medium": 10, "ar_large": 11}


def _quiet() -> contextlib.AbstractContextManager[Any]:
    return contextlib.redirect_stdout(io.StringIO())  # pycocotools prints progress


def _coco(images: list[dict], annotations: list[dict], n_classes: int) -> COCO:
    coco = COCO()
    coco.dataset = {"images": images, "annotations": annotations,
                    "categories": [{"id": k + 1, "name": str(k)} for k in range(n_classes)]}
    with _quiet():
        coco.createIndex()
    return coco


def _annotation(ann_id: int, image_id: int, box: np.ndarray, label: int,
                score: float | None = None) -> dict[str, Any]:
    x1, y1, x2, y2 = (float(v) for v in box)
    w, h = max(x2 - x1, 0.0), max(y2 - y1, 0.0)
    ann = {"id": ann_id, "image_id": image_id, "category_id": int(label) + 1,
           "bbox": [x1, y1, w, h], "area": w * h, "iscrowd": 0}
    if score is not None:
        ann["score"] = float(score)
    return ann


def coco_evaluate(truth: Sequence[dict], detections: Sequence[dict], sizes: Sequence[tuple],
                  n_classes: int) -> COCOeval:
    """Evaluate ``detections`` against ``truth`` (evaluated and accumulated ``COCOeval``).

    Args:
        truth: per image ``{"boxes": (k, 4) XYXY px, "classes": (k,) 0-based}``.
        detections: per image ``{"boxes", "scores", "labels"}`` (0-based labels).
        sizes: per image (height, width).
        n_classes: number of classes.
    """
    images = [{"id": i + 1, "height": int(s[0]), "width": int(s[1])} for i, s in enumerate(sizes)]
    gt: list[dict] = []
    dt: list[dict] = []
    for i, (t, d) in enumerate(zip(truth, detections, strict=True)):
        for b, c in zip(t["boxes"], t["classes"], strict=True):
            gt.append(_annotation(len(gt) + 1, i + 1, b, c))
        for b, c, s in zip(d["boxes"], d["labels"], d["scores"], strict=True):
            dt.append(_annotation(len(dt) + 1, i + 1, b, c, s))
    evaluator = COCOeval(_coco(images, gt, n_classes), _coco(images, dt, n_classes), "bbox")
    with _quiet():
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator


def _mean_valid(values: np.ndarray) -> float | None:
    valid = values[values > -1]
    return float(valid.mean()) if valid.size else None


def headline(evaluator: COCOeval) -> dict[str, float | None]:
    """``map`` (AP@[.5:.95]), ``map50``, ``map75``, ``ap_small``.., ``ar100``... (None: no
    ground truth for that number)."""
    return {name: (None if evaluator.stats[k] < 0 else float(evaluator.stats[k]))
            for name, k in STATS.items()}


def precision_numbers(precision: np.ndarray, n_classes: int) -> dict[str, Any]:
    """mAP, mAP@.5 and per-class AP@.5 from a ``COCOeval.eval["precision"]`` array
    (T, R, K, A, M), as ``summarize()`` computes them (area ``all``, 100 detections)."""
    all_area = precision[:, :, :, 0, -1]
    return {"map": _mean_valid(all_area), "map50": _mean_valid(all_area[0]),
            "ap50_per_class": [_mean_valid(all_area[0, :, k]) for k in range(n_classes)]}


def pr_curves(evaluator: COCOeval) -> dict[str, Any]:
    """Per class, precision at IoU 0.5 along COCO's 101 recall thresholds (None: no truth)."""
    precision = evaluator.eval["precision"][0, :, :, 0, -1]  # (R, K)
    return {"recall": evaluator.params.recThrs.tolist(),
            "precision": [None if (precision[:, k] < 0).all() else
                          np.clip(precision[:, k], 0, None).tolist()
                          for k in range(precision.shape[1])]}


def ap_by_size(evaluator: COCOeval) -> dict[str, float | None]:
    """AP@.5 per COCO size range (``small``, ``medium``, ``large``)."""
    precision = evaluator.eval["precision"]
    return {name: _mean_valid(precision[0, :, :, a, -1]) for a, name in enumerate(SIZES) if a}


def resampled_precision(evaluator: COCOeval, positions: np.ndarray) -> np.ndarray:
    """``eval["precision"]`` of the image resample ``positions`` (indices into the evaluated
    images, repeats allowed), by ``COCOeval.accumulate`` on the resampled per-image matches."""
    n_images, n_areas = len(evaluator._paramsEval.imgIds), len(evaluator._paramsEval.areaRng)
    n_cats = len(evaluator._paramsEval.catIds)
    resample = copy.copy(evaluator)
    resample.params, resample._paramsEval = copy.copy(evaluator.params), copy.copy(
        evaluator._paramsEval)
    ids = list(range(len(positions)))
    resample.params.imgIds = resample._paramsEval.imgIds = ids
    resample.evalImgs = [evaluator.evalImgs[k * n_areas * n_images + a * n_images + int(i)]
                         for k in range(n_cats) for a in range(n_areas) for i in positions]
    with _quiet():
        resample.accumulate()
    return resample.eval["precision"]
