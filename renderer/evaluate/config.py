"""Settings of one evaluation run (``synth eval``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from renderer.evaluate.prdc import DEFAULT_K
from renderer.evaluate.taskgap.classification import TaskConfig
from renderer.evaluate.taskgap.options import DetectionConfig


@dataclass(frozen=True)
class EvalConfig:
    """What to measure and how; every default is what ``synth eval`` uses.

    YAML example (``synth eval --config eval.yaml``)::

        extractor: randfeat        # or inception / resnet50 with local weights
        seed: 0
        max_images: 10000          # per side; a seeded random subset beyond that
        kid_subset_size: 1000
        task: {model: small, epochs: 8}
        task_kind: auto            # or classification / detection
        detection: {model: centernet, epochs: 10, image_size: 320}

    Attributes:
        extractor: registered feature extractor (see :mod:`renderer.evaluate.features`).
        weights: weights file of a pretrained extractor (None: the torch hub cache).
        device: ``None``/"auto" (GPU when present), "cpu", "cuda", ...
        threads: CPU threads for torch and BLAS during the run (None: leave the process's
            settings). BLAS threads spin while waiting, so on a machine busy with other work 1
            is often several times faster than the default.
        batch_size: images per feature-extraction batch.
        seed: seeds every random choice of the run (subsets, bootstraps, folds, training).
        max_images: cap on images per side (None: all).
        confidence: level of every confidence interval.
        fid_bootstrap: bootstrap resamples for the FID interval (each costs a covariance).
        kid_subset_size: images per side in each KID subset.
        kid_subsets: KID subsets averaged.
        kid_bootstrap: bootstrap resamples for the KID interval.
        prdc_k: neighbour rank of precision/recall/density/coverage.
        knn_space: "standardised" (z-scored by the real set; default) or "raw" features for the
            k-NN metrics (PRDC, nearest neighbours).
        c2st_folds: cross-validation folds of the domain classifier.
        c2st_c: inverse regularisation of its logistic regression.
        c2st_bootstrap: bootstrap resamples for the AUC interval.
        image_stats: compute the low-level image statistics.
        task: classification task-gap settings; None switches the task gap off.
        task_kind: ``auto`` (detection when both sides have boxes, else classification),
            ``classification`` or ``detection``.
        detection: detection task-gap settings.
        class_map: ``{name: category}`` applied to both sides before classes are matched by
            name (see :mod:`renderer.evaluate.taskgap.common`).
        n_show: images per example strip in the report.
    """

    extractor: str = "randfeat"
    weights: Path | None = None
    device: str | None = None
    threads: int | None = None
    batch_size: int = 256
    seed: int = 0
    max_images: int | None = None
    confidence: float = 0.95
    fid_bootstrap: int = 25
    kid_subset_size: int = 1000
    kid_subsets: int = 100
    kid_bootstrap: int = 100
    prdc_k: int = DEFAULT_K
    knn_space: Literal["standardised", "raw"] = "standardised"
    c2st_folds: int = 5
    c2st_c: float = 1.0
    c2st_bootstrap: int = 200
    image_stats: bool = True
    task: TaskConfig | None = field(default_factory=TaskConfig)
    task_kind: Literal["auto", "classification", "detection"] = "auto"
    detection: DetectionConfig = field(default_factory=DetectionConfig)
    class_map: dict[str, str] | None = None
    n_show: int = 12

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, stored in the report."""
        data = asdict(self)
        data["weights"] = None if self.weights is None else Path(self.weights).name
        weights = self.detection.weights
        data["detection"]["weights"] = None if weights is None else Path(weights).name
        return data
