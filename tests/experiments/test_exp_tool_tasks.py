"""The tools' ``synth tune`` task objectives (``signs_check:tune_task``,
``handwriting_check:tune_task``): the README recipes, trained for real on a small set."""

from __future__ import annotations

import importlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from sklearn.datasets import load_digits

from renderer.evaluate import EvalSet

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def digit_sets(size: int, rgb: bool) -> tuple[EvalSet, EvalSet]:
    """scikit-learn's 8x8 digits enlarged to ``size`` px: the first 1,200 as the "renders", the
    rest as the "real" set."""
    data = load_digits()
    images = [cv2.resize(np.round(im * 255 / 16).astype(np.uint8), (size, size),
                         interpolation=cv2.INTER_LINEAR) for im in data.images]
    if rgb:
        images = [np.repeat(im[..., None], 3, axis=2) for im in images]
    else:
        images = [im[..., None] for im in images]
    names = tuple(str(k) for k in range(10))

    def evalset(part: slice) -> EvalSet:
        chosen = images[part]
        return EvalSet(chosen, data.target[part].astype(np.int64), names, None,
                       tuple(f"d{i}.png" for i in range(len(chosen))), None)

    return evalset(slice(0, 1200)), evalset(slice(1200, None))


@pytest.mark.parametrize(("tool", "size", "rgb"), [("handwriting_check", 28, False),
                                                   ("signs_check", 32, True)])
def test_a_tool_task_trains_its_recipe_and_scores_the_real_set(
        tool: str, size: int, rgb: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(TOOLS))
    task = importlib.import_module(tool).tune_task
    synthetic, real = digit_sets(size, rgb)
    metrics = task(synthetic, real, {"epochs": 3})
    accuracy, low, high = metrics["task.accuracy"]
    assert low <= accuracy <= high and metrics["task.error"][0] == pytest.approx(1 - accuracy)
    assert accuracy > 0.6, f"{tool}: {accuracy:.3f} on real digits after training on digits"
    assert sorted(k for k in metrics if k.startswith("task.class_accuracy.")) == [
        f"task.class_accuracy.{k:02d}" for k in range(10)]
    assert task(synthetic, real, {"epochs": 3}) == metrics  # seeded: the same figures again
