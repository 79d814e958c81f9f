"""tools/prepare_roadside_backgrounds.py: object-free patches cut beside labeled boxes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from core_helpers import load_tool

tool = load_tool("prepare_roadside_backgrounds")
RED = (0, 0, 255)  # BGR


def _road_set(folder: Path) -> None:
    """A GTSDB-style set: grey photos with noise, each labeled box painted pure red."""
    (folder / "images").mkdir(parents=True)
    rng = np.random.default_rng(0)
    lines = []
    for k, (x1, y1, side) in enumerate([(200, 150, 40), (60, 60, 24), (300, 40, 60)]):
        image = rng.integers(60, 190, (400, 480, 3), dtype=np.uint8)
        image[:, :, 2] = np.minimum(image[:, :, 2], 100)  # no red outside the boxes
        cv2.rectangle(image, (x1, y1), (x1 + side - 1, y1 + side - 1), RED, -1)
        cv2.imwrite(str(folder / "images" / f"{k:05d}.png"), image)
        lines.append(f"{k:05d}.ppm;{x1};{y1};{x1 + side - 1};{y1 + side - 1};{k}")
    (folder / "gt.txt").write_text("\n".join(lines) + "\n", encoding="ascii")


def test_patches_never_show_a_labeled_box_and_repeat_exactly(tmp_path: Path) -> None:
    _road_set(tmp_path / "real")
    args = ["--real", str(tmp_path / "real"), "--per-image", "4", "--size", "24", "--quality", "95"]
    assert tool.main([*args, "-o", str(tmp_path / "a")]) == 0
    assert tool.main([*args, "-o", str(tmp_path / "b")]) == 0
    patches = sorted((tmp_path / "a").glob("*.jpg"))
    assert 6 <= len(patches) <= 12
    assert {p.name.split("-")[0] for p in patches} == {"00000", "00001", "00002"}
    for path in patches:
        image = cv2.imread(str(path))
        assert image.shape == (24, 24, 3)
        red = (image[:, :, 2].astype(int) - image[:, :, :2].max(axis=2)) > 120
        assert not red.any(), f"{path.name} shows part of a labeled box"
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()


def test_patch_sides_follow_the_box_and_stay_inside() -> None:
    boxes = [(100, 100, 139, 139)]
    found = tool.patches_for((300, 400), boxes, 5, np.random.default_rng(3))
    assert found
    for x1, y1, x2, y2 in found:
        side = x2 - x1 + 1
        assert side == y2 - y1 + 1 and 44 <= side <= 64  # 40 px box times 1.1-1.6
        assert x1 >= 0 and y1 >= 0 and x2 < 400 and y2 < 300
        assert not tool.overlaps((x1, y1, x2, y2), boxes, pad=2)


@pytest.mark.parametrize("kind", ["missing", "classification"])
def test_unusable_input_is_one_line_error(tmp_path: Path, kind: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real"
    if kind == "classification":
        (real / "cat").mkdir(parents=True)
        cv2.imwrite(str(real / "cat" / "a.png"), np.zeros((8, 8, 3), np.uint8))
    assert tool.main(["--real", str(real), "-o", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and "\n" not in error and str(real) in error
    assert not (tmp_path / "out").exists()
