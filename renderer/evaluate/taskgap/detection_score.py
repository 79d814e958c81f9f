"""Train a detector on every rendered image, score every real one: the ``detection`` task objective.

The objective of ``synth ablate``, ``synth sweep`` and ``synth tune`` for detection specs. Unlike
the detection task gap (:mod:`renderer.evaluate.taskgap.detection`), nothing of the real set is
used for training and there is no TRTR model: every real image given is test data (``synth tune``
hands only its tuning part and keeps the held-out part for the final comparison). The detector is
the task gap's default (:class:`~renderer.evaluate.taskgap.options.DetectionConfig`), trained
from scratch; classes are matched by name after an optional class map (applied to both sides).

Metrics (``[value, low, high]``, mAP as a fraction in [0, 1], 95% percentile bootstrap over real
images; training randomness is not in the interval):

- ``task.map50``: mAP@.5 over the classes (COCO, pycocotools);
- ``task.error``: ``1 - task.map50`` (lower is better, like the ``tstr`` objective's);
- ``task.map50_agnostic``: mAP@.5 with every class merged (finding objects, not naming them);
- ``task.map``: mAP@[.5:.95];
- ``task.ap50.<class>``: AP@.5 of each real class (no interval; NaN-free: missing when the
  class has no real box).

YAML (experiment ``task:``; relative ``class_map`` paths start at the experiment file)::

    task: {kind: detection, steps: 300, image_size: 256, batch_size: 16, seed: 0,
           class_map: ../scenes/gtsdb-categories.yaml}
    objective: task.map50
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np

from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.taskgap.common import apply_class_map, load_class_map, match_by_name
from renderer.evaluate.taskgap.detection import evaluate_detector
from renderer.evaluate.taskgap.options import DetectionConfig
from renderer.evaluate.taskgap.sources import EvalSetSource
from renderer.evaluate.taskgap.training import train_detector
from renderer.rng import stream

# settings of the task gap that mean nothing here: no real split, no fresh renders, no gallery
UNUSED_FIELDS = frozenset({"test_fraction", "renders_per_epoch", "n_gallery"})
OPTIONS = frozenset(f.name for f in dataclasses.fields(DetectionConfig)) - UNUSED_FIELDS | {
    "seed", "class_map"}


def detection_config(options: dict[str, Any]) -> DetectionConfig:
    """The detector settings of the objective's options (lists become tuples).

    Raises:
        ValueError: options that are not settings (named).
    """
    unknown = set(options) - OPTIONS
    if unknown:
        raise ValueError(f"task detection: unknown option(s) {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(sorted(OPTIONS))})")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()
              if k not in ("seed", "class_map")}
    if isinstance(values.get("weights"), str):
        values["weights"] = Path(values["weights"])
    return dataclasses.replace(DetectionConfig(), **values)


def _interval(block: dict[str, Any]) -> list[Any]:
    return [_finite(block.get("value")), _finite(block.get("ci_low")),
            _finite(block.get("ci_high"))]


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def detection_score(synthetic: EvalSet, real: EvalSet,
                    options: dict[str, Any]) -> dict[str, list[Any]]:
    """Train the default detector on all synthetic images, score it on all real ones.

    Args:
        synthetic: rendered detection set (boxes).
        real: real detection set (boxes), all test.
        options: any :class:`DetectionConfig` setting (``steps``, ``image_size`` px,
            ``batch_size``, ``lr``, ``scales``, ``crop_stage``, ``device``...) except
            ``test_fraction``, ``renders_per_epoch`` and ``n_gallery``; ``seed`` (training and
            bootstrap streams, default 0); ``class_map`` (path of a class-map YAML).

    Returns:
        ``task.map50``, ``task.error``, ``task.map50_agnostic``, ``task.map`` as
        ``[value, low, high]`` and ``task.ap50.<class>`` as ``[value, None, None]``.

    Raises:
        ValueError: unknown options, or a side without boxes.
        UsageError: an unreadable class map or synthetic classes with no real namesake.
    """
    config = detection_config(options)
    seed = int(options.get("seed", 0))
    if synthetic.objects is None or real.objects is None:
        raise ValueError("task detection: needs boxes on both sides (detection sets)")
    if options.get("class_map") is not None:
        mapping = load_class_map(Path(options["class_map"]))
        synthetic, real = apply_class_map(synthetic, mapping), apply_class_map(real, mapping)
    names = list(real.class_names or ())
    index = match_by_name(list(synthetic.class_names or ()), names)
    source = EvalSetSource(synthetic, np.arange(len(synthetic)), index)
    detector, _ = train_detector(source, len(names), config,
                                 rng=stream(seed, 0, "detection_score/train"), progress=None)
    scored = evaluate_detector(detector, real, np.arange(len(real)), names, config,
                               rng=stream(seed, 0, "detection_score/bootstrap"),
                               n_train=len(source))["scores"]
    value, low, high = _interval(scored["map50"])
    metrics: dict[str, list[Any]] = {
        "task.map50": [value, low, high],
        "task.error": [None if v is None else 1.0 - v for v in (value, high, low)],
        "task.map50_agnostic": _interval(scored["map50_agnostic"]),
        "task.map": _interval(scored["map"]),
    }
    for name, block in scored["ap50_per_class"].items():
        if _finite(block.get("value")) is not None:
            metrics[f"task.ap50.{name}"] = [float(block["value"]), None, None]
    return metrics
