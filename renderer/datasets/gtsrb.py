"""GTSRB layout: ``GT-*.csv`` annotation files (``;``-separated) naming ``.ppm`` images.

Both official layouts read: the test set (``GT-final_test*.csv`` beside ``Images/``) and the
training set (``Images/NNNNN/GT-NNNNN.csv`` beside its images). Columns used: ``Filename``,
``ClassId`` and, when present, ``Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2``: the ROI becomes the
image's one box, rescaled when the image on disk was resized (Roi.X2/Y2 are inclusive pixels).
Class names are ``00``..``42`` so that class index == ClassId. A malformed row is a problem of
its own (with ``Problems(on_error="skip")``: left out).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from renderer.datasets.base import (
    DatasetError,
    LoadedDataset,
    LoadedSample,
    Problems,
    decode_file,
    safe_relative,
)
from renderer.datasets.loaders import register_loader

N_CLASSES = 43
ROI = ("Width", "Height", "Roi.X1", "Roi.Y1", "Roi.X2", "Roi.Y2")


def csv_files(path: Path) -> list[Path]:
    """GTSRB annotation files under ``path`` (or ``path`` itself), sorted."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("GT-*.csv") if p.is_file())


Row = tuple[Path, str, int, tuple[float, ...] | None]


def _rows(csv_path: Path, root: Path, problems: Problems) -> list[Row]:
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{csv_path}: cannot read: {exc}") from None
    reader = csv.DictReader(text.splitlines(), delimiter=";")
    columns = reader.fieldnames or []
    if "Filename" not in columns or "ClassId" not in columns:
        raise DatasetError(f"{csv_path} line 1: expected ';'-separated columns with Filename and "
                           f"ClassId, got {columns}")
    has_roi = all(c in columns for c in ROI)
    images = csv_path.parent
    if (images / "Images").is_dir():  # the test set's CSV sits beside Images/
        images = images / "Images"
    rows = []
    for lineno, row in enumerate(reader, start=2):
        try:
            rows.append(_row(row, f"{csv_path} line {lineno}", has_roi, images, root))
        except DatasetError as exc:
            problems.report(exc)
    return rows


def _row(row: dict[str, str | None], where: str, has_roi: bool, images: Path, root: Path) -> Row:
    try:
        class_id = int(row["ClassId"])  # type: ignore[arg-type]
        roi = tuple(float(row[c]) for c in ROI) if has_roi else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DatasetError(f"{where}: ClassId must be an integer and Width..Roi.Y2 "
                           "numbers") from None
    if not 0 <= class_id < N_CLASSES:
        raise DatasetError(f"{where}: ClassId {class_id} is not in 0..{N_CLASSES - 1}")
    file = safe_relative(images, row["Filename"] or "", where)
    return file, file.relative_to(root).as_posix(), class_id, roi


@register_loader("gtsrb", itemwise=True)
def load_gtsrb(path: Path, problems: Problems | None = None) -> LoadedDataset:
    """Read a GTSRB folder (every ``GT-*.csv`` under it, rows in file order).

    Args:
        path: the folder, or one ``GT-*.csv`` file.
        problems: where malformed rows go (default: the first one raises).
    """
    problems = problems or Problems()
    found = csv_files(path)
    if not found:
        raise DatasetError(f"{path}: no GT-*.csv annotation file found")
    root = path.parent if path.is_file() else path
    rows = [row for f in found for row in _rows(f, root, problems)]
    return LoadedDataset(format="gtsrb", root=path, task="classification",
                         class_names=tuple(f"{k:02d}" for k in range(N_CLASSES)),
                         names=tuple(r[1] for r in rows),
                         entries=tuple((r[0], r[2], r[3]) for r in rows), read=_read)


def _read(ds: LoadedDataset, i: int) -> LoadedSample:
    file, label, roi = ds.entries[i]
    image = decode_file(file)
    boxes, ids = np.zeros((0, 4), np.float32), np.zeros(0, np.int64)
    meta: dict[str, Any] = {}
    if roi is not None:
        width, height, x1, y1, x2, y2 = roi
        sx, sy = image.shape[1] / max(width, 1.0), image.shape[0] / max(height, 1.0)
        boxes = np.array([[x1 * sx, y1 * sy, (x2 + 1) * sx, (y2 + 1) * sy]], np.float32)
        ids = np.array([label], np.int64)
        meta["original_size"] = (int(height), int(width))
    return LoadedSample(index=i, name=ds.names[i], image=image, class_names=ds.class_names,
                        boxes=boxes, category_ids=ids, label=label, meta=meta)
