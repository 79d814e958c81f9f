"""The ``detection`` task objective: a detector trained on every synthetic image, scored with
pycocotools on every real one, seeded, with class maps and named option errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from eval_helpers import bright_squares

from renderer.evaluate.taskgap.detection_score import detection_score
from renderer.experiments.objectives import resolve_task
from renderer.usage_error import UsageError

# 40 steps are enough for the default detector to find bright squares (mAP@.5 ~0.9 at seed 0)
LEARNS = {"steps": 40, "image_size": 64, "batch_size": 8, "lr": 5e-3, "n_bootstrap": 20,
          "device": "cpu"}
TINY = {**LEARNS, "steps": 2}


@pytest.fixture(scope="module")
def squares():
    return (bright_squares(16, rng=np.random.default_rng(0)),
            bright_squares(8, rng=np.random.default_rng(1)))


def test_detection_is_a_registered_task() -> None:
    assert resolve_task("detection") is detection_score


def test_learns_reports_map_with_intervals_and_is_seeded(squares) -> None:
    first = detection_score(*squares, LEARNS)
    assert first == detection_score(*squares, LEARNS)
    value, low, high = first["task.map50"]
    assert value > 0.5 and 0.0 <= low <= value <= high <= 1.0, first
    assert first["task.error"] == pytest.approx([1 - value, 1 - high, 1 - low])
    assert first["task.map50_agnostic"][0] == pytest.approx(value)  # one class: the same task
    assert 0.0 < first["task.map"][0] <= value
    assert first["task.ap50.square"] == [pytest.approx(value), None, None]


def test_class_map_applies_to_both_sides(squares, tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("box: [square]\n", encoding="utf-8")
    metrics = detection_score(*squares, {**TINY, "class_map": str(path)})
    assert [k for k in metrics if k.startswith("task.ap50.")] == ["task.ap50.box"]
    path.write_text("square: box\n", encoding="utf-8")  # still matched by name on both sides
    assert "task.ap50.box" in detection_score(*squares, {**TINY, "class_map": str(path)})


def test_bad_options_and_sets_are_named(squares) -> None:
    with pytest.raises(ValueError, match=r"unknown option\(s\) epochz, test_fraction"):
        detection_score(*squares, {"epochz": 1, "test_fraction": 0.5})
    synthetic, real = squares
    renamed = synthetic.__class__(synthetic.images, None, ("cube",), synthetic.objects,
                                  synthetic.names, synthetic.meta)
    with pytest.raises(UsageError, match="match no real class by name: cube"):
        detection_score(renamed, real, TINY)
    unboxed = real.__class__(real.images, None, real.class_names, None, real.names, real.meta)
    with pytest.raises(ValueError, match="needs boxes on both sides"):
        detection_score(synthetic, unboxed, TINY)
