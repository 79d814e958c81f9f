"""Choose and run the task gap of an evaluation, or say why it cannot run.

``auto`` picks detection when both sides have boxes, classification when both have one label
per image (a detection set whose images each hold exactly one labelled object counts: its class
is the image's label). Whenever no task gap runs, the result is ``{"skipped_reason": "..."}``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.taskgap.classification import TaskConfig, task_gap
from renderer.evaluate.taskgap.common import apply_class_map, check_class_map
from renderer.evaluate.taskgap.detection import detection_gap
from renderer.evaluate.taskgap.options import DetectionConfig
from renderer.evaluate.taskgap.sources import TrainingSource
from renderer.evaluate.taskgap.training import ProgressCallback, log_progress


def single_object_labels(evalset: EvalSet, side: str) -> EvalSet | str:
    """``evalset`` with image labels taken from its one labelled object per image, or the
    reason it cannot have them."""
    if evalset.labels is not None:
        return evalset
    if evalset.objects is None:
        return f"the {side} set has no labels"
    counts = np.array([len(obj["classes"]) for obj in evalset.objects])
    several, none = np.flatnonzero(counts > 1), np.flatnonzero(counts == 0)
    if len(several) or len(none):
        bad = several if len(several) else none
        what = "several labelled objects" if len(several) else "no labelled object"
        return (f"classification needs exactly one labelled object per image, but "
                f"{len(bad)} of {len(counts)} {side} images hold {what} (e.g. "
                f"{evalset.names[bad[0]]}); use --task detection")
    labels = np.array([int(obj["classes"][0]) for obj in evalset.objects], np.int64)
    return EvalSet(evalset.images, labels, evalset.class_names, None, evalset.names,
                   evalset.meta, evalset.skipped)


def choose_task(kind: str, synthetic: EvalSet, real: EvalSet) -> str:
    """``detection`` or ``classification`` for ``auto``; other kinds unchanged."""
    if kind != "auto":
        return kind
    if synthetic.objects is not None and real.objects is not None:
        return "detection"
    return "classification"


def run_task_gap(synthetic: EvalSet, real: EvalSet, kind: str, classification: TaskConfig | None,
                 detection: DetectionConfig, *, rng: np.random.Generator,
                 class_map: dict[str, str] | None = None,
                 train_source: TrainingSource | None = None,
                 progress: ProgressCallback | None = log_progress) -> dict[str, Any]:
    """The task gap's result, or ``{"skipped_reason": ...}``.

    Args:
        synthetic: the synthetic set.
        real: the real set.
        kind: ``auto``, ``classification`` or ``detection``.
        classification: classification settings; None switches the task gap off.
        detection: detection settings.
        rng: drives every random choice of the task gap.
        class_map: ``{name: category}`` applied to both sides (see :mod:`.common`).
        train_source: detection only: TSTR trains on this (e.g. fresh renders per epoch).
        progress: detection training progress callback.

    Raises:
        ValueError: a class map naming unknown classes, or synthetic detection classes with no
            real namesake (user errors, one line).
    """
    if classification is None:
        return {"skipped_reason": "switched off (--no-tstr)"}
    if class_map:
        check_class_map(class_map, synthetic.class_names, real.class_names)
        synthetic, real = apply_class_map(synthetic, class_map), apply_class_map(real, class_map)
    task = choose_task(kind, synthetic, real)
    if task == "detection":
        missing = [side for side, s in (("real", real), ("synthetic", synthetic))
                   if s.objects is None]
        if missing:
            return {"skipped_reason": f"--task detection: the {' and '.join(missing)} set has "
                                      "no boxes (a classification or unlabelled set)"}
        return detection_gap(synthetic, real, detection, rng=rng, train_source=train_source,
                             progress=progress)
    sides = [single_object_labels(s, side) for s, side in ((synthetic, "synthetic"),
                                                            (real, "real"))]
    reasons = [s for s in sides if isinstance(s, str)]
    if reasons:
        return {"skipped_reason": "; ".join(reasons)}
    syn, rea = sides
    assert isinstance(syn, EvalSet) and isinstance(rea, EvalSet)
    return {"task": "classification", **task_gap(syn, rea, classification, rng=rng)}
