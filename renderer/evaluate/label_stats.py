"""Label statistics compared between the sides: class frequencies, objects per image, box size,
aspect, position and visibility, each with a distance and the spec parameter that moves it.

Classes are matched by name when both sides have ``class_names`` (indices of two datasets need not
agree), else by index. Box measures are relative to each image's size, so sets of different
resolutions compare:

| name | what |
| --- | --- |
| objects_per_image | labelled objects in an image |
| box_size | sqrt(box area / image area) |
| box_aspect | log2(box width / box height) |
| box_x, box_y | box centre as a fraction of image width / height (0 = left / top) |
| visibility | visible fraction of each object (when both sides record it) |
"""

from __future__ import annotations

import numpy as np

from renderer.evaluate.compare import Hint, compare_table
from renderer.evaluate.evalset import EvalSet

BOX_HINTS: dict[str, tuple[Hint, str]] = {
    "objects_per_image": (Hint("more crowded", "emptier", "lower objects[].count",
                               "raise objects[].count",
                               "narrow objects[].count", "widen objects[].count"), "objects"),
    "box_size": (Hint("made of larger objects", "made of smaller objects",
                      "lower objects[].pose.scale", "raise objects[].pose.scale",
                      "narrow objects[].pose.scale", "widen objects[].pose.scale"),
                 "sqrt of area fraction"),
    "box_aspect": (Hint("made of wider objects", "made of taller objects",
                        "lower objects[].pose.aspect", "raise objects[].pose.aspect",
                        "narrow objects[].pose.aspect", "widen objects[].pose.aspect"),
                   "log2 width / height"),
    "box_x": (Hint("placed further right", "placed further left",
                   "shift objects[].pose.x towards 0", "shift objects[].pose.x towards 1",
                   "narrow objects[].pose.x", "widen objects[].pose.x"),
              "fraction of width"),
    "box_y": (Hint("placed lower in the frame", "placed higher in the frame",
                   "shift objects[].pose.y towards 0", "shift objects[].pose.y towards 1",
                   "narrow objects[].pose.y", "widen objects[].pose.y"),
              "fraction of height"),
    "visibility": (Hint("less occluded", "more occluded",
                        "raise objects[].pose.max_occlusion (or objects[].count)",
                        "lower objects[].pose.max_occlusion (or objects[].count)",
                        "narrow objects[].pose.max_occlusion (or objects[].count)",
                        "widen objects[].pose.max_occlusion (or objects[].count)"),
                   "visible fraction"),
}


def class_name_list(evalset: EvalSet, indices: np.ndarray) -> list[str]:
    """Names of class ``indices`` (their decimal index when the set has no class names)."""
    names = evalset.class_names
    return [names[i] if names is not None else str(int(i)) for i in indices]


def class_frequencies(synthetic: list[str], real: list[str]) -> dict[str, object]:
    """Per-class fractions of both sides, total variation distance, and the most skewed classes."""
    classes = sorted(set(synthetic) | set(real))
    p = np.array([synthetic.count(c) for c in classes], dtype=np.float64)
    q = np.array([real.count(c) for c in classes], dtype=np.float64)
    p, q = p / max(p.sum(), 1.0), q / max(q.sum(), 1.0)
    order = np.argsort(-np.abs(p - q), kind="stable")
    hints = [f"class {classes[i]!r} is {'over' if p[i] > q[i] else 'under'}-represented in "
             f"synthetic ({100 * p[i]:.1f}% vs {100 * q[i]:.1f}% real): "
             f"{'lower' if p[i] > q[i] else 'raise'} how often the spec draws it"
             for i in order[:3] if abs(p[i] - q[i]) >= 0.01]
    return {"classes": classes, "synthetic": p, "real": q,
            "total_variation": float(0.5 * np.abs(p - q).sum()), "hints": hints}


def box_class_names(evalset: EvalSet) -> list[str]:
    """Class name of every labelled object of ``evalset``, image by image."""
    per_image = [np.asarray(o["classes"], dtype=np.int64).ravel() for o in evalset.objects or []]
    return class_name_list(evalset, np.concatenate(per_image) if per_image else np.empty(0, int))


def box_measures(evalset: EvalSet) -> dict[str, np.ndarray]:
    """Per-image object counts and per-box size, aspect, position and visibility (see table)."""
    counts, size, aspect, cx, cy, visibility = [], [], [], [], [], []
    for image, labels in zip(evalset.images, evalset.objects or [], strict=False):
        h, w = image.shape[:2]
        boxes = np.asarray(labels["boxes"], dtype=np.float64).reshape(-1, 4)
        counts.append(len(boxes))
        bw = np.clip(boxes[:, 2] - boxes[:, 0], 1e-6, None)
        bh = np.clip(boxes[:, 3] - boxes[:, 1], 1e-6, None)
        size.append(np.sqrt(bw * bh / (w * h)))
        aspect.append(np.log2(bw / bh))
        cx.append((boxes[:, 0] + boxes[:, 2]) / (2.0 * w))
        cy.append((boxes[:, 1] + boxes[:, 3]) / (2.0 * h))
        vis = labels.get("visibility")
        visibility.append(np.full(len(boxes), np.nan) if vis is None else np.asarray(vis, float))
    flat = [np.concatenate(v) if v else np.empty(0) for v in (size, aspect, cx, cy, visibility)]
    return {"objects_per_image": np.asarray(counts, dtype=np.float64), "box_size": flat[0],
            "box_aspect": flat[1], "box_x": flat[2], "box_y": flat[3], "visibility": flat[4]}


def label_statistics(synthetic: EvalSet, real: EvalSet) -> dict[str, object] | None:
    """Compare the labels of both sides; None when they do not both carry labels of one kind."""
    result: dict[str, object] = {}
    if synthetic.labels is not None and real.labels is not None:
        result["classes"] = class_frequencies(
            class_name_list(synthetic, synthetic.labels[synthetic.labels >= 0]),
            class_name_list(real, real.labels[real.labels >= 0]))
    if synthetic.objects is not None and real.objects is not None:
        values_s, values_r = box_measures(synthetic), box_measures(real)
        result["box_classes"] = class_frequencies(box_class_names(synthetic),
                                                  box_class_names(real))
        result["table"] = compare_table(values_s, values_r, BOX_HINTS)
        result["per_object"] = {"synthetic": values_s, "real": values_r}
    return result or None
