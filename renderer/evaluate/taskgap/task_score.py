"""Train on every synthetic image, score every real one: the task objective of ``synth tune``.

Unlike the task gap (:mod:`renderer.evaluate.taskgap.classification`), nothing of the real set is used for
training: ``synth tune`` hands this only its tuning part, all of which is test data here, and
keeps its held-out part for the final comparison. Accuracy gets a bootstrap interval over real
images; per-class accuracy shows which classes a spec change helped.

YAML (experiment ``task:``)::

    task: {kind: tstr, model: small, size: 32, epochs: 8, seed: 0}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from renderer.evaluate.evalset import EvalSet
from renderer.evaluate.features import resolve_device
from renderer.evaluate.preprocess import prepare_batch
from renderer.evaluate.result import percentile_interval
from renderer.evaluate.taskgap.classification import aligned_labels
from renderer.evaluate.taskgap.classifier import build_model, predict, train
from renderer.rng import stream

N_BOOTSTRAP = 500
CONFIDENCE = 0.95


def labelled_pair(synthetic: EvalSet, real: EvalSet) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Indices of the usable synthetic and real images (labelled, class known to the real set)
    and the class names; synthetic labels in the real set's indexing are ``aligned_labels``.

    Raises:
        ValueError: a side has no labels.
    """
    if synthetic.labels is None or real.labels is None:
        raise ValueError("the task objective needs class labels on both sides")
    syn_labels, names = aligned_labels(synthetic, real)
    return np.flatnonzero(syn_labels >= 0), np.flatnonzero(real.labels >= 0), names


def accuracy_metrics(predicted: np.ndarray, labels: np.ndarray, n_classes: int,
                     seed: int) -> dict[str, list[Any]]:
    """``task.accuracy`` and ``task.error`` ``[value, low, high]`` (95% bootstrap over images) and
    ``task.class_accuracy.<k>`` per class present (no interval)."""
    correct = (predicted == labels).astype(np.float64)
    rng = stream(seed, 0, "task_score/bootstrap")
    boots = correct[rng.integers(0, len(correct), (N_BOOTSTRAP, len(correct)))].mean(axis=1)
    low, high = percentile_interval(boots, CONFIDENCE)
    value = float(correct.mean())
    metrics: dict[str, list[Any]] = {"task.accuracy": [value, low, high],
                                     "task.error": [1 - value, 1 - high, 1 - low]}
    for k in range(n_classes):
        members = labels == k
        if members.any():
            metrics[f"task.class_accuracy.{k:02d}"] = [float(correct[members].mean()), None, None]
    return metrics


def tstr_score(synthetic: EvalSet, real: EvalSet, options: dict[str, Any]) -> dict[str, list[Any]]:
    """Train the task model on all labelled synthetic images, score all labelled real ones.

    Args:
        synthetic: labelled rendered set.
        real: labelled real set (all test).
        options: ``model`` (``small``/``resnet18``), ``size`` (px), ``epochs``, ``batch_size``,
            ``seed``, ``device``.
    """
    unknown = set(options) - {"model", "size", "epochs", "batch_size", "seed", "device"}
    if unknown:
        raise ValueError(f"task tstr: unknown option(s) {', '.join(sorted(unknown))}")
    size, seed = int(options.get("size", 32)), int(options.get("seed", 0))
    usable, scored, names = labelled_pair(synthetic, real)
    syn_labels = aligned_labels(synthetic, real)[0]
    model = build_model(options.get("model", "small"), len(names), seed=seed,
                        device=resolve_device(options.get("device")))
    train(model, prepare_batch([synthetic.images[i] for i in usable], size),
          syn_labels[usable].astype(np.int64), rng=stream(seed, 0, "task_score/train"),
          epochs=int(options.get("epochs", 8)), batch_size=int(options.get("batch_size", 128)))
    predicted = predict(model, prepare_batch([real.images[i] for i in scored], size))
    return accuracy_metrics(predicted, real.labels[scored], len(names), seed)
