"""YOLO reader (Ultralytics layout): ``images/**``, ``labels/**.txt``, ``data.yaml``.

A label line is ``class cx cy w h`` (normalised box), ``class x1 y1 x2 y2 ...`` (normalised
polygon: the box is the polygon's extent and the mask is the filled polygon), or, when
``data.yaml`` has ``kpt_shape: [k, 2|3]``, a box followed by k keypoints. Images without a label
file have no objects. Class names come from ``data.yaml`` ``names`` (list or mapping), else
``classes.txt``, else the numbers seen. With ``Problems(on_error="skip")`` an image whose label
file is unreadable or has a malformed line is left out (never kept with some objects missing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from renderer.datasets.base import (
    DatasetError,
    LoadedDataset,
    LoadedSample,
    Problems,
    decode_file,
    image_ids,
    list_images,
)
from renderer.datasets.loaders import register_loader
from renderer.datasets.rendered import plan_index


@dataclass(frozen=True)
class Line:
    """One parsed label line, coordinates still normalised."""

    category: int
    box: tuple[float, float, float, float]  # cx, cy, w, h
    polygon: np.ndarray | None  # (m, 2)
    keypoints: np.ndarray | None  # (k, 3)


def _names(root: Path) -> tuple[dict[str, Any], tuple[str, ...] | None]:
    """(data.yaml contents, class names or None)."""
    data: dict[str, Any] = {}
    path = next((root / n for n in ("data.yaml", "dataset.yaml") if (root / n).is_file()), None)
    if path is not None:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise DatasetError(f"{path}: cannot parse: {str(exc).splitlines()[0]}") from None
        if not isinstance(data, dict):
            raise DatasetError(f"{path}: expected a mapping")
        names = data.get("names")
        if isinstance(names, dict):
            try:
                order = sorted((int(k), str(v)) for k, v in names.items())
            except (TypeError, ValueError):
                raise DatasetError(f"{path}: names: keys must be class numbers") from None
            if [k for k, _ in order] != list(range(len(order))):
                raise DatasetError(f"{path}: names: class numbers must be 0..{len(order) - 1}")
            return data, tuple(v for _, v in order)
        if isinstance(names, list):
            return data, tuple(str(v) for v in names)
        if names is not None:
            raise DatasetError(f"{path}: names: expected a list or a mapping")
    classes = root / "classes.txt"
    if classes.is_file():
        return data, tuple(ln.strip() for ln in classes.read_text(encoding="utf-8").splitlines()
                           if ln.strip())
    return data, None


def _keypoint_shape(data: dict[str, Any], root: Path) -> tuple[int, int] | None:
    shape = data.get("kpt_shape")
    if shape is None:
        return None
    if (not isinstance(shape, list) or len(shape) != 2 or not all(isinstance(v, int) for v in shape)
            or shape[1] not in (2, 3) or shape[0] < 1):
        raise DatasetError(f"{root / 'data.yaml'}: kpt_shape: expected [k, 2] or [k, 3]")
    return shape[0], shape[1]


def parse_line(text: str, where: str, kpt: tuple[int, int] | None, n_classes: int | None) -> Line:
    """Parse one label line; ``where`` is ``file line N`` for errors."""
    tokens = text.split()
    try:
        category = int(tokens[0])
        values = [float(t) for t in tokens[1:]]
    except ValueError:
        raise DatasetError(f"{where}: expected 'class cx cy w h' with an integer class and "
                           f"numbers, got {text.strip()!r}") from None
    if category < 0 or (n_classes is not None and category >= n_classes):
        raise DatasetError(f"{where}: class {category} is not in 0..{(n_classes or 1) - 1}")
    if not all(math.isfinite(v) for v in values):
        raise DatasetError(f"{where}: coordinates must be finite numbers")
    if kpt is not None:
        if len(values) != 4 + kpt[0] * kpt[1]:
            raise DatasetError(f"{where}: expected a box and {kpt[0]} keypoints of {kpt[1]} values "
                               f"({5 + kpt[0] * kpt[1]} values), got {len(tokens)}")
        points = np.asarray(values[4:], np.float32).reshape(kpt)
        if kpt[1] == 2:  # no flags given: Ultralytics writes absent points as (0, 0)
            absent = (points == 0).all(axis=1, keepdims=True)
            points = np.concatenate([points, np.where(absent, 0, 2).astype(np.float32)], axis=1)
        return Line(category, tuple(values[:4]), None, points)  # type: ignore[arg-type]
    if len(values) == 4:
        if values[2] < 0 or values[3] < 0:
            raise DatasetError(f"{where}: negative box width or height")
        return Line(category, tuple(values), None, None)  # type: ignore[arg-type]
    if len(values) >= 6 and len(values) % 2 == 0:
        poly = np.asarray(values, np.float64).reshape(-1, 2)
        lo, hi = poly.min(axis=0), poly.max(axis=0)
        box = ((lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, hi[0] - lo[0], hi[1] - lo[1])
        return Line(category, box, poly, None)
    raise DatasetError(f"{where}: expected 'class cx cy w h' (5 values) or a polygon 'class x1 y1 "
                       f"x2 y2 x3 y3 ...' (an odd count >= 7), got {len(tokens)} values")


def read_labels(path: Path, kpt: tuple[int, int] | None, n_classes: int | None) -> tuple[Line, ...]:
    """All lines of one label file (missing file: no objects)."""
    if not path.is_file():
        return ()
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read as text: {exc}") from None
    return tuple(parse_line(line, f"{path} line {n}", kpt, n_classes)
                 for n, line in enumerate(text.splitlines(), start=1) if line.strip())


def _polygon_masks(polygons: tuple[np.ndarray, ...], height: int, width: int) -> np.ndarray:
    masks = np.zeros((len(polygons), height, width), np.uint8)
    for k, poly in enumerate(polygons):
        points = np.round(poly * (width, height)).astype(np.int32)
        cv2.fillPoly(masks[k], [points], 1)
    return masks.astype(bool)


@register_loader("yolo", itemwise=True)
def load_yolo(path: Path, problems: Problems | None = None) -> LoadedDataset:
    """Read a YOLO set: every image under ``images/`` with its ``labels/`` file.

    Args:
        path: the dataset folder.
        problems: where malformed label files go (default: the first one raises).
    """
    problems = problems or Problems()
    images_dir = path / "images"
    if not images_dir.is_dir():
        raise DatasetError(f"{path}: a YOLO set needs an images/ folder (and labels/)")
    data, names = _names(path)
    kpt = _keypoint_shape(data, path)
    kept: list[tuple[Path, str, tuple[Line, ...]]] = []
    for file in list_images(images_dir):
        rel = file.relative_to(images_dir).as_posix()
        try:
            lines = read_labels((path / "labels" / rel).with_suffix(".txt"), kpt,
                                len(names) if names else None)
        except DatasetError as exc:
            problems.report(exc)
            continue
        kept.append((file, rel, lines))
    if names is None:
        top = max((ln.category for _, _, lines in kept for ln in lines), default=-1)
        names = tuple(str(k) for k in range(top + 1))
    rel_names = [rel for _, rel, _ in kept]
    entries = tuple((file, lines, image_id)
                    for (file, _, lines), image_id in zip(kept, image_ids(rel_names), strict=True))
    return LoadedDataset(format="yolo", root=path, task="detection", class_names=names,
                         names=tuple(f"images/{r}" for r in rel_names), entries=entries,
                         read=partial(_read, plan_index(path)))


def _read(plans: Any, ds: LoadedDataset, i: int) -> LoadedSample:
    file, lines, image_id = ds.entries[i]
    image = decode_file(file)
    height, width = image.shape[:2]
    scale = np.array([width, height, width, height], np.float32)
    boxes = np.array([[b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2]
                      for b in (ln.box for ln in lines)], np.float32).reshape(-1, 4) * scale
    keypoints = None
    if lines and lines[0].keypoints is not None:
        keypoints = np.stack([ln.keypoints for ln in lines]).astype(np.float32)
        keypoints[..., :2] *= (width, height)
    masks = None
    if lines and all(ln.polygon is not None for ln in lines):
        masks = partial(_polygon_masks, tuple(ln.polygon for ln in lines), height, width)
    meta = {"plan": plans.get(image_id)} if plans is not None else {}
    return LoadedSample(index=i, name=ds.names[i], image=image, class_names=ds.class_names,
                        boxes=boxes, category_ids=np.array([ln.category for ln in lines], np.int64),
                        image_id=image_id, keypoints=keypoints, meta=meta, mask_source=masks)
