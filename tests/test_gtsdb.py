"""GTSDB layout: gt.txt with inclusive pixel boxes, images beside it or in images/."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from renderer.datasets import DatasetError, detect_format, load, to_eval_set
from renderer.datasets.base import Problems
from renderer.datasets.gtsdb import load_gtsdb


def _write(folder: Path, lines: str, names: tuple[str, ...] = ("00000.jpg", "00001.ppm",
                                                                "00002.jpg")) -> None:
    (folder / "images").mkdir(parents=True)
    for name in names:
        cv2.imwrite(str(folder / "images" / name), np.full((40, 60, 3), 128, np.uint8))
    (folder / "gt.txt").write_text(lines, encoding="ascii")


def test_gtsdb_folder_is_detected_and_read(tmp_path: Path) -> None:
    _write(tmp_path, "00000.ppm;10;5;29;24;14\n00000.ppm;0;0;9;9;0\n00001.ppm;30;10;59;39;42\n")
    assert detect_format(tmp_path) == "gtsdb"
    data = load(tmp_path)
    assert data.task == "detection" and data.class_names[14] == "14" and len(data) == 3
    first = data[0]
    assert first.boxes.tolist() == [[10, 5, 30, 25], [0, 0, 10, 10]]  # inclusive -> exclusive
    assert first.category_ids.tolist() == [14, 0] and data[1].boxes.tolist() == [[30, 10, 60, 40]]
    assert len(data[2].boxes) == 0  # an image without signs stays, as a negative
    evalset = to_eval_set(data)
    assert evalset.objects is not None and evalset.names[1] == "images/00001.ppm"


@pytest.mark.parametrize(("line", "message"), [
    ("00000.ppm;1;2;3\n", "line 1: expected 'file;x1;y1;x2;y2;classId'"),
    ("00000.ppm;1;2;3;x;4\n", "line 1: coordinates and classId must be numbers"),
    ("00000.ppm;1;2;3;4;43\n", "line 1: classId 43 is not in 0..42"),
    ("00000.ppm;5;2;3;4;1\n", "line 1: box"),
    ("00009.ppm;1;2;3;4;1\n", "no image file for 00009"),
])
def test_malformed_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    _write(tmp_path, line)
    with pytest.raises(DatasetError, match=message):
        load_gtsdb(tmp_path)
    skipping = Problems("skip")
    assert len(load_gtsdb(tmp_path, skipping)) == 3
    assert len(skipping.items) == 1


def test_real_gtsdb_development_part(shared_data: Path) -> None:
    folder = shared_data / "gtsdb-dev"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    data = load(folder)
    assert data.format == "gtsdb" and len(data) == 200
    assert sum(len(entry[1]) for entry in data.entries) == 314
    sample = data[0]
    assert sample.image.shape == (800, 1360, 3) and sample.boxes.shape[1] == 4
