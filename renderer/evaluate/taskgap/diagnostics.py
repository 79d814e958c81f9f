"""What went wrong on each image: matched, missed and false detections, and the class confusion.

Not a metric (those come from COCOeval): a readable account at one score threshold. Detections
at least ``threshold`` confident are matched to ground truth greedily by score, each to the
unmatched truth box it overlaps most (IoU >= 0.5) whatever the classes, so a right box with the
wrong class shows as a confusion, not as a miss plus a false positive.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torchvision

MATCH_IOU = 0.5


def match_image(truth: dict[str, np.ndarray], found: dict[str, np.ndarray],
                threshold: float) -> dict[str, Any]:
    """Match one image's detections to its truth.

    Returns:
        ``pairs`` [(truth index, detection index)], ``missed`` truth indices, ``false``
        detection indices (no truth box under them), ``kept`` detection indices (>= threshold).
    """
    kept = np.flatnonzero(found["scores"] >= threshold)
    kept = kept[np.argsort(-found["scores"][kept], kind="stable")]
    n_truth = len(truth["boxes"])
    pairs, false, used = [], [], np.zeros(n_truth, bool)
    if n_truth and len(kept):
        iou = torchvision.ops.box_iou(torch.as_tensor(found["boxes"][kept], dtype=torch.float32),
                                      torch.as_tensor(truth["boxes"], dtype=torch.float32)).numpy()
    for row, d in enumerate(kept):
        if n_truth:
            overlaps = np.where(used, -1.0, iou[row])
            best = int(np.argmax(overlaps))
            if overlaps[best] >= MATCH_IOU:
                used[best] = True
                pairs.append((best, int(d)))
                continue
        false.append(int(d))
    return {"pairs": pairs, "missed": np.flatnonzero(~used).tolist(), "false": false,
            "kept": kept.tolist()}


def confusion_and_failures(truth: list[dict], found: list[dict], n_classes: int,
                           threshold: float) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Confusion matrix over all images and the per-image failure account.

    Returns:
        (n_classes + 1, n_classes + 1) counts, rows = true class, columns = detected class,
        the last row / column being "nothing" (false positives / misses); and per image
        ``{"missed", "false", "wrong_class", "correct", "failures"}`` (index lists and a count).
    """
    matrix = np.zeros((n_classes + 1, n_classes + 1), np.int64)
    per_image = []
    for t, f in zip(truth, found, strict=True):
        match = match_image(t, f, threshold)
        wrong, correct = [], []
        for gi, di in match["pairs"]:
            true_class, found_class = int(t["classes"][gi]), int(f["labels"][di])
            matrix[true_class, found_class] += 1
            (correct if true_class == found_class else wrong).append((gi, di))
        for gi in match["missed"]:
            matrix[int(t["classes"][gi]), n_classes] += 1
        for di in match["false"]:
            matrix[n_classes, int(f["labels"][di])] += 1
        per_image.append({"missed": match["missed"], "false": match["false"],
                          "wrong_class": wrong, "correct": correct,
                          "failures": len(match["missed"]) + len(match["false"]) + len(wrong)})
    return matrix, per_image
