"""Task gap for detection: a detector trained on synthetic images (TSTR) vs one trained on real
images (TRTR), both scored on the same held-out real images with pycocotools' COCOeval.

The real set is split once with a seeded generator (:func:`~.common.image_split`). TSTR trains
on every synthetic image (or on fresh renders of a spec each epoch, via a
:class:`~.sources.RenderedSource`), TRTR on the real training split; both train the same model
for at least ``min_steps`` steps. Intervals are paired percentile bootstraps over the real test
images (training randomness not included); the gap is TRTR - TSTR. Class-agnostic numbers
(every class merged into "object") separate finding objects from telling their classes apart.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch
import torchvision

from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.taskgap import cocometrics as cm
from renderer.evaluate.taskgap.common import bootstrapped, image_split, match_by_name
from renderer.evaluate.taskgap.detectors import Detector
from renderer.evaluate.taskgap.diagnostics import confusion_and_failures
from renderer.evaluate.taskgap.options import DetectionConfig
from renderer.evaluate.taskgap.sources import EvalSetSource, TrainingSource
from renderer.evaluate.taskgap.training import (
    ProgressCallback,
    detect_images,
    log_progress,
    train_detector,
)

log = logging.getLogger(__name__)
AGNOSTIC_NMS_IOU = 0.7  # one object found as two classes counts once when classes are merged


def _truth(evalset: EvalSet, indices: np.ndarray) -> list[dict[str, np.ndarray]]:
    objects = evalset.objects or []
    return [{"boxes": np.asarray(objects[i]["boxes"], np.float32).reshape(-1, 4),
             "classes": np.asarray(objects[i]["classes"], np.int64)} for i in indices]


def _agnostic(truth: list[dict], found: list[dict]) -> tuple[list[dict], list[dict]]:
    merged = []
    for f in found:
        keep = torchvision.ops.nms(torch.from_numpy(f["boxes"]), torch.from_numpy(f["scores"]),
                                   AGNOSTIC_NMS_IOU).numpy()
        merged.append({"boxes": f["boxes"][keep], "scores": f["scores"][keep],
                       "labels": np.zeros(len(keep), np.int64)})
    return [{**t, "classes": np.zeros_like(t["classes"])} for t in truth], merged


def score_detections(truth: list[dict], found: list[dict], sizes: list[tuple[int, int]],
                     class_names: list[str], *, draws: np.ndarray, confidence: float,
                     n_train: int) -> tuple[Any, dict[str, Any], dict[str, np.ndarray]]:
    """COCO metrics of one model with bootstrap intervals over images (``draws``: resamples).

    Returns:
        The ``COCOeval``, the JSON-able score block (``map``, ``map50``, ``ap50_per_class``,
        agnostic numbers, AR@100, AP by size, PR curves) and the bootstrap samples.
    """
    n_classes = len(class_names)
    evaluator = cm.coco_evaluate(truth, found, sizes, n_classes)
    agnostic = cm.coco_evaluate(*_agnostic(truth, found), sizes, 1)
    boots: dict[str, list] = {"map": [], "map50": [], "per_class": [], "map50_agnostic": []}
    for positions in draws:
        numbers = cm.precision_numbers(cm.resampled_precision(evaluator, positions), n_classes)
        boots["map"].append(numbers["map"])
        boots["map50"].append(numbers["map50"])
        boots["per_class"].append([np.nan if v is None else v for v in numbers["ap50_per_class"]])
        boots["map50_agnostic"].append(
            cm.precision_numbers(cm.resampled_precision(agnostic, positions), 1)["map50"])
    samples = {k: np.array([np.nan if v is None else v for v in vals], np.float64)
               for k, vals in boots.items() if k != "per_class"}
    samples["per_class"] = np.array(boots["per_class"], np.float64).reshape(len(draws), n_classes)
    main = cm.headline(evaluator)
    plain = cm.precision_numbers(evaluator.eval["precision"], n_classes)
    n_test = len(truth)

    def result(value: float | None, key: str, column: int | None = None) -> dict[str, Any]:
        boot = samples[key] if column is None else samples[key][:, column]
        return bootstrapped(value, boot, confidence, n_train, n_test).to_dict()

    block = {
        "map": result(main["map"], "map"), "map50": result(main["map50"], "map50"),
        "map50_agnostic": result(cm.headline(agnostic)["map50"], "map50_agnostic"),
        "map_agnostic": cm.headline(agnostic)["map"],
        "ap50_per_class": {name: result(plain["ap50_per_class"][k], "per_class", k)
                           for k, name in enumerate(class_names)},
        "coco": main, "ap50_by_size": cm.ap_by_size(evaluator), "pr_curves": cm.pr_curves(evaluator),
    }
    return evaluator, block, samples


def _gap(tstr: dict[str, np.ndarray], trtr: dict[str, np.ndarray], scores: dict[str, dict],
         config: DetectionConfig, n_train: int, n_test: int) -> dict[str, Any]:
    def diff(key: str) -> dict[str, Any]:
        value = (scores["trtr"][key]["value"] or 0.0) - (scores["tstr"][key]["value"] or 0.0)
        return bootstrapped(value, trtr[key] - tstr[key], config.confidence, n_train,
                            n_test).to_dict()

    return {**diff("map50"), "definition": "mAP@.5(TRTR) - mAP@.5(TSTR) on the real test split",
            "map": diff("map"), "map50_agnostic": diff("map50_agnostic"), "n_test": n_test}


def _gallery(per_image: list[dict], positions: np.ndarray, found: list[dict], truth: list[dict],
             n: int, threshold: float) -> list[dict[str, Any]]:
    """The ``n`` images with most failures (worst first), with what to draw on them."""
    order = sorted(range(len(per_image)), key=lambda i: (-per_image[i]["failures"], i))[:n]
    out = []
    for i in order:
        account, f = per_image[i], found[i]
        kept = f["scores"] >= threshold
        out.append({"index": int(positions[i]), "failures": account["failures"],
                    "truth": {"boxes": truth[i]["boxes"], "classes": truth[i]["classes"]},
                    "detections": {"boxes": f["boxes"][kept], "scores": f["scores"][kept],
                                   "labels": f["labels"][kept]},
                    "missed": account["missed"], "false": account["false"],
                    "wrong_class": account["wrong_class"]})
    return out


def evaluate_detector(detector: Detector, evalset: EvalSet, indices: np.ndarray,
                      class_names: list[str], config: DetectionConfig, *,
                      rng: np.random.Generator | None = None, draws: np.ndarray | None = None,
                      n_train: int = 0) -> dict[str, Any]:
    """Score a trained detector on ``evalset[indices]`` (objects in ``class_names`` indexing).

    Args:
        detector: from :func:`~.training.train_detector`.
        evalset: the test images and boxes.
        indices: which images of ``evalset`` to score.
        class_names: the detector's classes.
        config: inference and bootstrap settings.
        rng: draws the bootstrap resamples (or pass ``draws``).
        draws: (n_bootstrap, len(indices)) image positions of each resample; the same draws
            for two models make their intervals paired.
        n_train: training images, recorded in the results.

    Returns:
        ``scores`` (see :func:`score_detections`), ``samples`` (bootstrap), ``confusion``,
        ``per_image`` failure accounts, ``gallery`` (worst images first), ``detections``.
    """
    if draws is None:
        if rng is None:
            raise ValueError("evaluate_detector needs rng or draws")
        draws = rng.integers(0, len(indices), size=(config.n_bootstrap, len(indices)))
    truth = _truth(evalset, indices)
    images = [evalset.images[i] for i in indices]
    found = detect_images(detector, images, scales=config.scales,
                          max_detections=config.max_detections)
    _, block, samples = score_detections(
        truth, found, [im.shape[:2] for im in images], class_names, draws=draws,
        confidence=config.confidence, n_train=n_train)
    matrix, per_image = confusion_and_failures(truth, found, len(class_names),
                                               config.score_threshold)
    return {"scores": block, "samples": samples, "confusion": matrix, "detections": found,
            "per_image": per_image,
            "gallery": _gallery(per_image, indices, found, truth, config.n_gallery,
                                config.score_threshold)}


def _synthetic_gallery(detector: Detector, synthetic: EvalSet, mapping: np.ndarray,
                       config: DetectionConfig, n: int) -> list[dict[str, Any]]:
    """Failures of the TSTR model on a few renders (what the model sees at home)."""
    positions = np.unique(np.linspace(0, len(synthetic) - 1, num=min(n, len(synthetic)))
                          .round().astype(np.int64))
    truth = []
    for t in _truth(synthetic, positions):
        classes = mapping[t["classes"]] if len(t["classes"]) else t["classes"]
        truth.append({"boxes": t["boxes"][classes >= 0], "classes": classes[classes >= 0]})
    found = detect_images(detector, [synthetic.images[i] for i in positions],
                          scales=config.scales, max_detections=config.max_detections)
    _, per_image = confusion_and_failures(truth, found, int(mapping.max()) + 1,
                                          config.score_threshold)
    return _gallery(per_image, positions, found, truth, n, config.score_threshold)


def detection_gap(synthetic: EvalSet, real: EvalSet, config: DetectionConfig, *,
                  rng: np.random.Generator, train_source: TrainingSource | None = None,
                  progress: ProgressCallback | None = log_progress) -> dict[str, Any]:
    """Run TSTR and TRTR detection (see module docstring) on a seeded split of ``real``.

    Args:
        synthetic: synthetic detection set (boxes); its classes are matched to the real ones by
            name (apply a class map first, :func:`~.common.apply_class_map`).
        real: real detection set; every class name of it is a category.
        config: detector and evaluation settings.
        rng: drives the split, the model seeds, crops, image order and the bootstrap.
        train_source: trains TSTR on this instead of ``synthetic`` (e.g. fresh renders of a
            spec every epoch); its classes must already be in the real set's indexing.
            ``synthetic`` then only supplies the renders shown in the report.
        progress: training progress callback.

    Returns:
        JSON-able dict (numpy inside): ``task`` "detection", ``tstr`` / ``trtr`` score blocks
        with ``value`` = mAP@.5, ``gap``, ``class_names``, ``split``, ``confusion``,
        ``gallery`` (real and synthetic), ``training`` histories, ``model``.

    Raises:
        ValueError: a side without boxes, or synthetic classes with no real namesake.
    """
    if real.objects is None or synthetic.objects is None:
        raise ValueError("the detection task gap needs boxes on both sides")
    if len(real) < 2:
        raise ValueError("the detection task gap needs at least 2 real images")
    names = list(real.class_names or ())
    mapping = match_by_name(list(synthetic.class_names or ()), names)
    real_train, real_test = image_split(len(real), config.test_fraction, rng=rng)
    draws = rng.integers(0, len(real_test), size=(config.n_bootstrap, len(real_test)))
    sources = {"tstr": train_source or EvalSetSource(synthetic, np.arange(len(synthetic)),
                                                     mapping),
               "trtr": EvalSetSource(real, real_train, np.arange(max(len(names), 1)))}
    evaluated, histories, tstr_model = {}, {}, None
    for name, source in sources.items():
        log.info("detection task gap: training %s on %d images per epoch", name, len(source))
        model, histories[name] = train_detector(source, len(names), config, rng=rng,
                                                progress=progress)
        evaluated[name] = evaluate_detector(model, real, real_test, names, config, draws=draws,
                                            n_train=len(source))
        tstr_model = tstr_model or model
    scores = {name: e["scores"] for name, e in evaluated.items()}
    result: dict[str, Any] = {
        "task": "detection", "class_names": names,
        **{name: {**s["map50"], **s} for name, s in scores.items()},
        "gap": _gap(evaluated["tstr"]["samples"], evaluated["trtr"]["samples"], scores, config,
                    len(sources["tstr"]), len(real_test)),
        "split": {"real_train": len(real_train), "real_test": len(real_test),
                  "synthetic_train": len(sources["tstr"]),
                  "real_test_indices": real_test},
        "confusion": {name: e["confusion"] for name, e in evaluated.items()},
        "gallery": {"real": evaluated["tstr"]["gallery"], "real_trtr": evaluated["trtr"]["gallery"],
                    "synthetic": _synthetic_gallery(tstr_model, synthetic, mapping, config,
                                                    max(2, config.n_gallery // 2))},
        "training": histories, "model": config.model, "image_size": config.image_size,
        "scales": list(config.scales), "score_threshold": config.score_threshold,
    }
    return result
