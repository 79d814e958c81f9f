"""Task gap for classification: train on synthetic, test on real (TSTR) vs train on real (TRTR).

The real set is split once, stratified by class, with a seeded generator: ``test_fraction`` of
each class is the test split, the rest trains the TRTR baseline. The TSTR model trains on the
synthetic set (by default a random subset of the size of the real training split, so the gap
measures the domain, not the amount of data); both models are tested on the same real test split.
The gap ``accuracy(TRTR) - accuracy(TSTR)`` gets a paired bootstrap interval over test images.
Classes are matched by name when both sides have ``class_names``; synthetic images of a class the
real set lacks, and unlabelled images (label -1) of either side, are left out.

YAML (``synth eval`` configuration)::

    tstr: {model: small, size: 32, epochs: 8, test_fraction: 0.5, match_train_size: true}
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.features import resolve_device
from renderer.evaluate.preprocess import prepare_batch
from renderer.evaluate.result import Result, percentile_interval
from renderer.evaluate.taskgap.classifier import build_model, predict, train

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskConfig:
    """Settings of the task-gap test.

    Attributes:
        model: ``small`` (CPU-friendly CNN) or ``resnet18``.
        size: input side in pixels (images are resized with the pinned preprocessing).
        epochs: passes over each training set.
        max_steps: cap on optimiser steps per model (None: epochs decide); for quick tests.
        batch_size: images per step.
        test_fraction: fraction of each real class held out for testing.
        match_train_size: train TSTR on as many synthetic images as TRTR has real ones.
        n_bootstrap: resamples of the test split for the intervals.
        confidence: level of the percentile intervals.
        device: ``None``/"auto" (GPU when present), "cpu", "cuda", ...
    """

    model: str = "small"
    size: int = 32
    epochs: int = 8
    max_steps: int | None = None
    batch_size: int = 128
    test_fraction: float = 0.5
    match_train_size: bool = True
    n_bootstrap: int = 200
    confidence: float = 0.95
    device: str | None = None


def aligned_labels(synthetic: EvalSet, real: EvalSet) -> tuple[np.ndarray, list[str]]:
    """Synthetic labels in the real set's class indexing (-1: unlabelled or class absent from
    real), and the class names.

    Both sets must carry labels (checked by :func:`task_gap`).
    """
    syn_labels = np.asarray(synthetic.labels, dtype=np.int64)
    if synthetic.class_names is None or real.class_names is None:
        n_classes = int(max(np.max(real.labels), syn_labels.max())) + 1  # type: ignore[arg-type]
        names = list(real.class_names or synthetic.class_names or ())
        return syn_labels, names + [str(i) for i in range(len(names), n_classes)]
    index = {name: i for i, name in enumerate(real.class_names)}
    mapping = np.array([index.get(name, -1) for name in synthetic.class_names], dtype=np.int64)
    return np.where(syn_labels >= 0, mapping[syn_labels], -1), list(real.class_names)


def stratified_split(labels: np.ndarray, test_fraction: float, *,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint (train, test) index arrays with ``test_fraction`` of each class in test."""
    train_idx, test_idx = [], []
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        n_test = int(round(test_fraction * len(members)))
        if len(members) > 1:
            n_test = min(max(n_test, 1), len(members) - 1)
        test_idx.append(members[:n_test])
        train_idx.append(members[n_test:])
    return np.sort(np.concatenate(train_idx)), np.sort(np.concatenate(test_idx))


def confusion(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) counts, rows = true class, columns = predicted class."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (true, predicted), 1)
    return matrix


def _accuracy_result(correct: np.ndarray, n_train: int, boots: np.ndarray,
                     confidence: float) -> Result:
    low, high = percentile_interval(boots, confidence)
    return Result(float(correct.mean()), low, high, n_train, len(correct))


def _fit_and_test(images: np.ndarray, labels: np.ndarray, test_images: np.ndarray,
                  n_classes: int, config: TaskConfig, *, seed: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
    model = build_model(config.model, n_classes, seed=seed, device=resolve_device(config.device))
    history = train(model, images, labels, rng=rng, epochs=config.epochs,
                    max_steps=config.max_steps, batch_size=config.batch_size)
    return predict(model, test_images), history


def task_gap(synthetic: EvalSet, real: EvalSet, config: TaskConfig, *,
             rng: np.random.Generator) -> dict[str, object]:
    """Run TSTR and TRTR (see module docstring) and compare them on the real test split.

    Args:
        synthetic: labelled synthetic set.
        real: labelled real set (at least 2 images per class for a useful split).
        config: task settings.
        rng: drives the split, the subset, the model seeds, minibatch order and the bootstrap.

    Returns:
        JSON-able dict: ``tstr`` / ``trtr`` accuracy results, ``gap`` (TRTR - TSTR) result,
        ``per_class`` accuracies, ``confusion`` matrices, ``class_names``, split sizes, training
        histories.
    """
    if synthetic.labels is None or real.labels is None:
        raise ValueError("the task gap needs class labels on both sides")
    syn_labels, names = aligned_labels(synthetic, real)
    usable = np.flatnonzero(syn_labels >= 0)
    labelled = np.flatnonzero(real.labels >= 0)
    real_train, real_test = (labelled[part] for part in stratified_split(
        real.labels[labelled], config.test_fraction, rng=rng))
    if config.match_train_size and len(usable) > len(real_train):
        usable = np.sort(rng.choice(usable, size=len(real_train), replace=False))
    n_classes = len(names)
    test_images = prepare_batch([real.images[i] for i in real_test], config.size)
    test_labels = real.labels[real_test].astype(np.int64)
    predictions, histories = {}, {}
    for name, (images, labels) in {
        "tstr": ([synthetic.images[i] for i in usable], syn_labels[usable]),
        "trtr": ([real.images[i] for i in real_train], real.labels[real_train]),
    }.items():
        seed = int(rng.integers(2**31 - 1))
        predictions[name], histories[name] = _fit_and_test(
            prepare_batch(images, config.size), labels.astype(np.int64), test_images, n_classes,
            config, seed=seed, rng=rng)
        log.info("task gap: %s trained (%d images, %s)", name, len(labels), histories[name])
    correct = {name: (pred == test_labels).astype(np.float64) for name, pred in predictions.items()}
    draws = rng.integers(0, len(test_labels), size=(config.n_bootstrap, len(test_labels)))
    boots = {name: c[draws].mean(axis=1) for name, c in correct.items()}
    gap = correct["trtr"].mean() - correct["tstr"].mean()
    low, high = percentile_interval(boots["trtr"] - boots["tstr"], config.confidence)
    per_class = {name: [float(c[test_labels == k].mean()) if (test_labels == k).any() else None
                        for k in range(n_classes)] for name, c in correct.items()}
    return {
        "tstr": _accuracy_result(correct["tstr"], len(usable), boots["tstr"], config.confidence),
        "trtr": _accuracy_result(correct["trtr"], len(real_train), boots["trtr"],
                                 config.confidence),
        "gap": Result(float(gap), low, high, len(usable), len(real_train),
                      {"definition": "accuracy(TRTR) - accuracy(TSTR) on the real test split",
                       "n_test": len(test_labels)}),
        "per_class": per_class, "class_names": names,
        "confusion": {name: confusion(test_labels, pred, n_classes)
                      for name, pred in predictions.items()},
        "dropped_synthetic": int((syn_labels < 0).sum()),
        "split": {"real_train": len(real_train), "real_test": len(real_test),
                  "synthetic_train": len(usable)},
        "training": histories, "model": config.model, "size": config.size,
    }
