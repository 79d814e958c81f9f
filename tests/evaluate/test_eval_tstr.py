"""Task gap: deterministic split, seeded training, accuracies, confusion matrices, gap interval."""

from __future__ import annotations

import numpy as np
import pytest
from eval_helpers import digit_sets, make_set

from renderer.evaluate.taskgap.classification import (
    TaskConfig,
    aligned_labels,
    confusion,
    stratified_split,
    task_gap,
)
from renderer.evaluate.taskgap.classifier import build_model

QUICK = TaskConfig(epochs=2, max_steps=30, n_bootstrap=50, device="cpu")


def test_split_is_stratified_disjoint_and_seeded() -> None:
    labels = np.repeat(np.arange(4), [10, 20, 3, 2])
    train, test = stratified_split(labels, 0.5, rng=np.random.default_rng(0))
    assert not set(train) & set(test) and len(train) + len(test) == len(labels)
    assert np.bincount(labels[test]).tolist() == [5, 10, 2, 1]
    again = stratified_split(labels, 0.5, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(test, again[1])


def test_task_gap_runs_and_is_reproducible() -> None:
    synthetic, real = digit_sets()
    runs = [task_gap(synthetic, real, QUICK, rng=np.random.default_rng(1)) for _ in range(2)]
    first = runs[0]
    assert first["tstr"] == runs[1]["tstr"] and first["gap"] == runs[1]["gap"]
    assert first["tstr"].value > 0.5 and first["trtr"].value > 0.5  # learns in 30 steps
    assert first["gap"].value == pytest.approx(first["trtr"].value - first["tstr"].value)
    assert first["gap"].ci_low <= first["gap"].value <= first["gap"].ci_high
    n_test = first["split"]["real_test"]
    assert first["confusion"]["tstr"].sum() == n_test and first["confusion"]["tstr"].shape == (
        10, 10)
    assert first["split"]["synthetic_train"] == first["split"]["real_train"]  # matched sizes
    assert len(first["per_class"]["trtr"]) == 10


def test_clearly_different_synthetic_set_has_a_gap() -> None:
    synthetic, real = digit_sets()
    inverted = make_set([255 - image for image in synthetic.images], synthetic.labels,
                        synthetic.class_names)
    result = task_gap(inverted, real, QUICK, rng=np.random.default_rng(1))
    assert result["gap"].ci_low > 0.2


def test_labels_are_matched_by_class_name() -> None:
    image = np.zeros((8, 8, 1), np.uint8)
    real = make_set([image] * 3, labels=np.array([0, 1, 2]), class_names=("a", "b", "c"))
    synthetic = make_set([image] * 3, labels=np.array([0, 1, 2]), class_names=("c", "x", "a"))
    labels, names = aligned_labels(synthetic, real)
    assert labels.tolist() == [2, -1, 0] and names == ["a", "b", "c"]


def test_models_build_without_global_rng_and_reject_unknown_names() -> None:
    import torch

    first = build_model("small", 3, seed=5, device=torch.device("cpu"))
    second = build_model("small", 3, seed=5, device=torch.device("cpu"))
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        assert torch.equal(a, b)
    assert build_model("resnet18", 3, seed=5, device=torch.device("cpu")).fc.out_features == 3
    with pytest.raises(ValueError, match="unknown task model"):
        build_model("vit", 3, seed=0, device=torch.device("cpu"))
    assert confusion(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist() == [[1, 0], [1, 1]]


def test_task_gap_needs_labels() -> None:
    image = np.zeros((8, 8, 1), np.uint8)
    with pytest.raises(ValueError, match="labels"):
        task_gap(make_set([image] * 2), make_set([image] * 2), QUICK,
                 rng=np.random.default_rng(0))


def test_unlabelled_images_are_left_out() -> None:
    synthetic, real = digit_sets()
    labels = real.labels.copy()
    labels[:100] = -1  # a loader's "no label"
    real = make_set(real.images, labels, real.class_names)
    result = task_gap(synthetic, real, QUICK, rng=np.random.default_rng(1))
    assert result["split"]["real_train"] + result["split"]["real_test"] == len(real) - 100
    with pytest.raises(ValueError, match="outside"):
        make_set(real.images[:1], np.array([-2]), real.class_names)
