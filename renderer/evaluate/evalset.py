"""The input of the evaluation engine: one image set (synthetic or real) with optional labels.

Loaders (``renderer/datasets``) build an :class:`EvalSet` from a rendered or real dataset; every
metric in ``renderer/evaluate`` reads only this type, so no metric knows where images came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EvalSet:
    """Images of one side of a comparison, with whatever labels the dataset carries.

    Attributes:
        images: one HxWxC uint8 array per image, C=3 (RGB) or C=1 (gray); sizes may differ.
        labels: (N,) int64 class index per image (classification sets; -1: this image has no
            label), or None.
        class_names: name of each class index, or None.
        objects: per image, detection labels ``{"boxes": (k, 4) float XYXY pixels, "classes": (k,)
            int, "visibility": (k,) float in [0, 1] or None}``, or None.
        names: a file name / id per image (shown in the report).
        meta: per-image sampled plan (synthetic sets), or None.
        skipped: problems of the source set whose items were left out (``--on-error skip``), one
            line each; kept by ``subset`` (they describe the source, not the subset).
    """

    images: list[np.ndarray]
    labels: np.ndarray | None
    class_names: tuple[str, ...] | None
    objects: list[dict] | None
    names: tuple[str, ...]
    meta: list[dict] | None
    skipped: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems = validation_problems(self)
        if problems:
            raise ValueError("invalid EvalSet: " + "; ".join(problems))

    def __len__(self) -> int:
        return len(self.images)

    def subset(self, indices: np.ndarray) -> EvalSet:
        """Return the images at ``indices`` (in that order) with their labels and metadata."""
        idx = [int(i) for i in indices]
        return EvalSet(
            images=[self.images[i] for i in idx],
            labels=None if self.labels is None else self.labels[idx],
            class_names=self.class_names,
            objects=None if self.objects is None else [self.objects[i] for i in idx],
            names=tuple(self.names[i] for i in idx),
            meta=None if self.meta is None else [self.meta[i] for i in idx],
            skipped=self.skipped,
        )


def validation_problems(evalset: EvalSet) -> list[str]:
    """List what is wrong with ``evalset`` (empty when it is valid); user data is never asserted."""
    n = len(evalset.images)
    problems: list[str] = []
    if n == 0:
        problems.append("no images")
    for i, image in enumerate(evalset.images):
        if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
            problems.append(f"image {i}: expected a uint8 numpy array")
        elif image.ndim != 3 or image.shape[2] not in (1, 3) or min(image.shape[:2]) < 1:
            problems.append(f"image {i}: expected HxWx1 or HxWx3, got shape {image.shape}")
        if len(problems) >= 5:  # one bad loader would otherwise print thousands of lines
            return problems
    if len(evalset.names) != n:
        problems.append(f"{len(evalset.names)} names for {n} images")
    if evalset.labels is not None:
        labels = np.asarray(evalset.labels)
        if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
            problems.append(f"labels: expected ({n},) integers, got {labels.shape} {labels.dtype}")
        elif n and (labels.min() < -1 or (
            evalset.class_names is not None and labels.max() >= len(evalset.class_names)
        )):
            problems.append("labels: index outside the class_names range")
    for field in ("objects", "meta"):
        value = getattr(evalset, field)
        if value is not None and len(value) != n:
            problems.append(f"{field}: {len(value)} entries for {n} images")
    return problems
