"""The task gap: train a model on synthetic images, test it on real ones (TSTR), against the same
model trained on real images (TRTR).

Modules: :mod:`.common` (seeded split, bootstrap, class maps and matching by name),
:mod:`.classification` (image classifier; :mod:`.classifier` its model), :mod:`.detection`
(detector; :mod:`.centernet` and :mod:`.detectors` the models, :mod:`.training` training and
inference, :mod:`.sources` training images and crops, :mod:`.cocometrics` COCOeval,
:mod:`.diagnostics` failures and confusion), :mod:`.run` (chooses the task or says why none runs),
:mod:`.options` (settings and ``--task``).

Public API (names load lazily: importing this package does not import torch)::

    import numpy as np
    from renderer.evaluate.taskgap import (DetectionConfig, detection_gap, train_detector,
                                           evaluate_detector, EvalSetSource, RenderedSource)

    # TSTR vs TRTR on a seeded split of the real set (EvalSets with boxes)
    result = detection_gap(synthetic, real, DetectionConfig(), rng=np.random.default_rng(0))
    result["tstr"]["map50"], result["trtr"]["map50"], result["gap"]

    # train on fresh renders of a spec (2,000 per epoch), score on real images
    with ExperimentPool(2) as pool:
        source = RenderedSource(spec, seed=0, n=2000, class_names=real.class_names, pool=pool)
        detector, history = train_detector(source, len(real.class_names), config, rng=rng)
    scores = evaluate_detector(detector, real, np.arange(len(real)), list(real.class_names),
                               config, rng=rng)["scores"]    # map, map50, ap50_per_class...

    # TRTR on the seeded disjoint split that detection_gap uses
    train_idx, test_idx = image_split(len(real), 0.5, rng=rng)
"""

from __future__ import annotations

import importlib
from typing import Any

_API = {
    "DetectionConfig": "options", "parse_task": "options",
    "detection_gap": "detection", "evaluate_detector": "detection",
    "train_detector": "training", "detect_images": "training",
    "EvalSetSource": "sources", "RenderedSource": "sources", "Annotated": "sources",
    "image_split": "common", "apply_class_map": "common", "load_class_map": "common",
    "TaskConfig": "classification", "task_gap": "classification",
    "run_task_gap": "run", "build_detector": "detectors",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_API[name]}"), name)
