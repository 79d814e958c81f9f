"""Settings of the detection task gap and the ``--task`` option of ``synth eval``.

``--task`` takes ``auto`` (default), ``classification``, ``detection``, or YAML with settings::

    --task detection
    --task 'detection: {model: centernet, epochs: 20, image_size: 384, batch_size: 16}'
    --task 'classification: {model: small, epochs: 8}'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from renderer.usage_error import UsageError

TASK_KINDS = ("auto", "classification", "detection")


@dataclass(frozen=True)
class DetectionConfig:
    """Settings of the detection task gap (train on synthetic, test on real, vs train on real).

    YAML example (``--task 'detection: {...}'``)::

        detection: {model: centernet, image_size: 320, batch_size: 16, epochs: 10,
                    min_steps: 400, scales: [1.0], test_fraction: 0.5}

    Attributes:
        model: ``centernet`` (default; trains from scratch on a CPU in minutes) or a torchvision
            detection model by name (``fcos_resnet50_fpn``, ...; with ``weights=None``).
        crop_stage: centernet only: name each found object from a full-resolution patch with a
            second, small classifier that may also call it background (False: the heatmap's
            dense class logits name it).
        image_size: side in px of the square random crops the detector trains on.
        batch_size: crops per optimiser step.
        epochs: passes over each training set (or over ``renders_per_epoch`` fresh renders).
        min_steps: least optimiser steps per model (small real splits still train enough).
        steps: exact optimiser steps per model, overriding ``epochs`` and ``min_steps``.
        lr: peak AdamW learning rate.
        scale_range: random rescaling of training crops (log-uniform; > 1 enlarges).
        scales: inference scales of whole images (1.0 = full resolution), merged by NMS.
        max_detections: detections kept per image (COCO's AR@100 needs 100).
        test_fraction: fraction of the real images held out for testing.
        renders_per_epoch: when the synthetic side is a spec, train on this many fresh renders
            per epoch (None: on the synthetic set given).
        score_threshold: detections at least this confident count in the failure gallery and
            the confusion matrix (the COCO metrics use every score).
        n_bootstrap: resamples of the real test images for the intervals.
        confidence: level of the percentile intervals.
        n_gallery: images per failure gallery.
        device: ``None``/"auto" (GPU when present), "cpu", "cuda", ...
        weights: a user's backbone weights file (loaded with ``weights_only=True``).
    """

    model: str = "centernet"
    crop_stage: bool = True
    image_size: int = 320
    batch_size: int = 16
    epochs: int = 10
    min_steps: int = 400
    steps: int | None = None
    lr: float = 2e-3
    scale_range: tuple[float, float] = (0.7, 1.4)
    scales: tuple[float, ...] = (1.0,)
    max_detections: int = 100
    test_fraction: float = 0.5
    renders_per_epoch: int | None = None
    score_threshold: float = 0.3
    n_bootstrap: int = 200
    confidence: float = 0.95
    n_gallery: int = 8
    device: str | None = None
    weights: Path | None = None


def _with_settings(base: Any, settings: dict[str, Any], kind: str) -> Any:
    fields = {f.name for f in dataclasses.fields(base)}
    unknown = sorted(set(settings) - fields)
    if unknown:
        raise UsageError(f"--task {kind}: unknown setting {unknown[0]!r} (known: "
                         f"{', '.join(sorted(fields))})")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in settings.items()}
    return dataclasses.replace(base, **values)


def parse_task(text: str, classification: Any,
               detection: DetectionConfig) -> tuple[str, Any, DetectionConfig]:
    """``(kind, classification settings, detection settings)`` from a ``--task`` value.

    Raises:
        UsageError: not a task kind, malformed YAML or an unknown setting (one line).
    """
    text = text.strip()
    if text in TASK_KINDS:
        return text, classification, detection
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"--task: not a task kind nor YAML: {exc}".splitlines()[0]) from None
    if not isinstance(data, dict) or len(data) != 1 or next(iter(data)) not in TASK_KINDS[1:]:
        raise UsageError(f"--task: expected one of {', '.join(TASK_KINDS)} or "
                         "'detection: {setting: value, ...}', got " + repr(text))
    kind, settings = next(iter(data.items()))
    if settings is not None and not isinstance(settings, dict):
        raise UsageError(f"--task {kind}: settings must be a mapping, got {settings!r}")
    try:
        if kind == "detection":
            return kind, classification, _with_settings(detection, settings or {}, kind)
        return kind, _with_settings(classification, settings or {}, kind), detection
    except TypeError as exc:
        raise UsageError(f"--task {kind}: {exc}") from None
