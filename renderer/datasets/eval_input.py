"""``to_eval_set``: a loaded dataset as the evaluation engine's ``EvalSet``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from renderer.datasets.base import DatasetError, LoadedDataset, LoadedSample, OnError, Problems

if TYPE_CHECKING:
    from renderer.evaluate.evalset import EvalSet


def to_eval_set(dataset: LoadedDataset | Sequence[LoadedSample],
                indices: Sequence[int] | None = None, on_error: OnError = "stop") -> EvalSet:
    """Read ``dataset`` (or the items at ``indices``) into memory as an ``EvalSet``.

    Classification sets give ``labels``; detection sets give ``objects`` (boxes XYXY pixels,
    0-based classes, visibility); rendered sets give their plans as ``meta``. With
    ``on_error="skip"`` an item that cannot be read (undecodable image, size differing from its
    annotation...) is left out with a warning; ``skipped`` lists it after the problems the
    loader already skipped.

    Example::

        from renderer.datasets import load, to_eval_set
        real = to_eval_set(load("data/mnist-test"), indices=range(1000))
    """
    from renderer.evaluate.evalset import EvalSet

    picked = range(len(dataset)) if indices is None else indices
    problems = Problems(on_error, list(getattr(dataset, "skipped", ())))
    samples = []
    for i in picked:
        try:
            samples.append(dataset[int(i)])
        except DatasetError as exc:
            problems.report(exc)
    if not samples and problems.items:
        root = getattr(dataset, "root", "the dataset")
        raise DatasetError(f"{root}: no readable item left ({len(problems.items)} skipped, "
                           f"e.g. {problems.items[0]})")
    task = getattr(dataset, "task", None)
    if task is None:
        task = "classification" if samples and samples[0].label is not None else "detection"
    class_names = getattr(dataset, "class_names", None)
    if not class_names and samples:
        class_names = samples[0].class_names
    labels = None
    if task == "classification":
        labels = np.array([-1 if s.label is None else s.label for s in samples], np.int64)
    objects: list[dict[str, Any]] | None = None
    if task == "detection":
        objects = [{"boxes": s.boxes, "classes": s.category_ids, "visibility": s.visibility}
                   for s in samples]
    meta = None
    if any("plan" in s.meta for s in samples):
        meta = [s.meta.get("plan") or {} for s in samples]
    return EvalSet(images=[s.image for s in samples], labels=labels,
                   class_names=tuple(class_names or ()) or None, objects=objects,
                   names=tuple(s.name for s in samples), meta=meta,
                   skipped=tuple(problems.items))
