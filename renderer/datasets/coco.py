"""COCO reader: synth's own ``annotations.json`` + ``images/`` and plain third-party COCO sets.

Class indices follow the categories sorted by id (synth's categories 1..C give 0..C-1).
Boxes ``[x, y, w, h]`` become XYXY; masks (RLE, compressed or not, or polygons) are decoded only
when asked for. Annotations with ``iscrowd`` are kept and flagged in ``meta["iscrowd"]``.

With ``Problems(on_error="skip")`` a malformed image entry, an annotation naming no image, or an
image with a malformed annotation is left out (never an image with some of its objects missing).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import partial
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
from renderer.datasets.masks import decode_segmentations
from renderer.datasets.rendered import padded_keypoints


@dataclass(frozen=True)
class Objects:
    """Parsed annotations of one image (segmentations stay raw until masks are asked for)."""

    boxes: np.ndarray
    category_ids: np.ndarray
    visibility: np.ndarray
    keypoints: np.ndarray | None
    segmentations: tuple[Any, ...] | None
    iscrowd: tuple[int, ...]


@dataclass(frozen=True)
class Categories:
    """Class names in index order, COCO category id -> index, keypoint names per class."""

    names: tuple[str, ...]
    index: dict[int, int]
    keypoint_names: dict[str, tuple[str, ...]]

    @property
    def max_keypoints(self) -> int:
        """Keypoints per object once padded (the most any class has)."""
        return max((len(v) for v in self.keypoint_names.values()), default=0)


@dataclass(frozen=True)
class CocoEntry:
    """One image: file, id, declared size, extra image fields and its objects."""

    file: Path
    image_id: int
    size: tuple[int, int] | None
    meta: dict[str, Any]
    objects: Objects


def read_json(path: Path) -> Any:
    """Parse a JSON file; errors give the file, line and column."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DatasetError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a finite JSON number that float32 holds (bools excluded).

    Every number read here is stored as float32; a larger finite value (JSON allows 1e39) would
    become infinity there.
    """
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and abs(value) <= _FLOAT32_MAX)


def parse_visibility(ann: dict[str, Any], at: str) -> float:
    """An object's ``visibility`` (visible / whole-object pixels, 0-1; 1 when absent)."""
    vis = ann.get("visibility", 1.0)
    if not (is_number(vis) and 0 <= vis <= 1):
        raise DatasetError(f"{at}.visibility: expected a number in [0, 1], got {vis!r}")
    return vis


def is_int(value: Any) -> bool:
    """Whether ``value`` is a JSON integer (bools excluded)."""
    return isinstance(value, int) and not isinstance(value, bool)


def parse_categories(categories: Any, where: str) -> Categories:
    """Validate COCO ``categories``; class index = rank of the category id."""
    if not isinstance(categories, list):
        raise DatasetError(f"{where}.categories: expected a list")
    seen: dict[int, tuple[str, tuple[str, ...]]] = {}
    for i, cat in enumerate(categories):
        at = f"{where}.categories[{i}]"
        if (not isinstance(cat, dict) or not is_int(cat.get("id"))
                or not isinstance(cat.get("name"), str)):
            raise DatasetError(f"{at}: expected an object with integer 'id' and string 'name'")
        if cat["id"] in seen:
            raise DatasetError(f"{at}.id: category id {cat['id']} appears twice")
        points = cat.get("keypoints") or []
        if not isinstance(points, list) or not all(isinstance(p, str) for p in points):
            raise DatasetError(f"{at}.keypoints: expected a list of names")
        seen[cat["id"]] = (cat["name"], tuple(points))
    ids = sorted(seen)
    names = tuple(seen[c][0] for c in ids)
    keypoints = {seen[c][0]: seen[c][1] for c in ids if seen[c][1]}
    return Categories(names, {c: k for k, c in enumerate(ids)}, keypoints)


def _box(ann: dict[str, Any], at: str) -> list[float]:
    box = ann.get("bbox")
    if not isinstance(box, list) or len(box) != 4 or not all(is_number(v) for v in box):
        raise DatasetError(f"{at}.bbox: expected [x, y, width, height], 4 finite numbers")
    if box[2] < 0 or box[3] < 0:
        raise DatasetError(f"{at}.bbox: negative width or height {box[2:]}")
    corners = [box[0], box[1], box[0] + box[2], box[1] + box[3]]
    if not all(is_number(v) for v in corners):
        raise DatasetError(f"{at}.bbox: x + width or y + height is beyond float32's range")
    return corners


def _keypoints(ann: dict[str, Any], at: str) -> np.ndarray:
    flat = ann.get("keypoints")
    if flat is None:
        return np.zeros((0, 3), np.float32)
    if not isinstance(flat, list) or len(flat) % 3 or not all(is_number(v) for v in flat):
        raise DatasetError(f"{at}.keypoints: expected x, y, v triples of numbers")
    return np.asarray(flat, np.float32).reshape(-1, 3)


def parse_segmentation(ann: dict[str, Any], at: str) -> Any:
    seg = ann.get("segmentation")
    if seg is None or seg == []:
        return None
    if isinstance(seg, dict):
        size, counts = seg.get("size"), seg.get("counts")
        if (not isinstance(size, list) or len(size) != 2 or not all(is_int(v) for v in size)
                or not isinstance(counts, str | list)):
            raise DatasetError(f"{at}.segmentation: RLE needs 'size' [h, w] and 'counts'")
        return seg
    if isinstance(seg, list) and all(
            isinstance(p, list) and len(p) >= 6 and len(p) % 2 == 0 and all(is_number(v) for v in p)
            for p in seg):
        return seg
    raise DatasetError(f"{at}.segmentation: expected an RLE object or a list of polygons "
                       "(each x1, y1, x2, y2, ... with at least 3 points)")


def parse_objects(anns: list[tuple[str, dict[str, Any]]], cats: Categories) -> Objects:
    """Validate one image's annotations (``(where, annotation)`` pairs) into arrays."""
    boxes, classes, visibility, points, segs, crowd = [], [], [], [], [], []
    for at, ann in anns:
        if not isinstance(ann, dict):
            raise DatasetError(f"{at}: expected an object")
        if not is_int(ann.get("category_id")) or ann["category_id"] not in cats.index:
            raise DatasetError(f"{at}.category_id: {ann.get('category_id')!r} is not a category id")
        boxes.append(_box(ann, at))
        classes.append(cats.index[ann["category_id"]])
        visibility.append(parse_visibility(ann, at))
        points.append(_keypoints(ann, at))
        segs.append(parse_segmentation(ann, at))
        crowd.append(int(bool(ann.get("iscrowd", 0))))
    return Objects(
        boxes=np.array(boxes, np.float32).reshape(-1, 4),
        category_ids=np.array(classes, np.int64),
        visibility=np.array(visibility, np.float32),
        keypoints=padded_keypoints(points, max(cats.max_keypoints, *(len(p) for p in points), 0)),
        segmentations=None if any(s is None for s in segs) else tuple(segs),
        iscrowd=tuple(crowd))


def with_objects(index: int, name: str, image: np.ndarray, image_id: int,
                 class_names: tuple[str, ...], objects: Objects, meta: dict[str, Any],
                 label: int | None = None) -> LoadedSample:
    """A ``LoadedSample`` from parsed objects (shared by COCO and WebDataset)."""
    masks = None
    if objects.segmentations is not None:
        masks = partial(decode_segmentations, objects.segmentations, image.shape[0], image.shape[1])
    if any(objects.iscrowd):
        meta = {**meta, "iscrowd": list(objects.iscrowd)}
    return LoadedSample(index=index, name=name, image=image, class_names=class_names,
                        boxes=objects.boxes, category_ids=objects.category_ids, label=label,
                        image_id=image_id, visibility=objects.visibility,
                        keypoints=objects.keypoints, meta=meta, mask_source=masks)


def _locate(path: Path) -> tuple[Path, Path]:
    """(annotation file, dataset root) for a COCO json file or a folder holding one."""
    if path.is_file():
        root = path.parent.parent if path.parent.name == "annotations" else path.parent
        return path, root
    if (path / "annotations.json").is_file():
        return path / "annotations.json", path
    found = sorted((path / "annotations").glob("*.json")) if (path / "annotations").is_dir() else []
    if len(found) != 1:
        raise DatasetError(f"{path}: no annotations.json (or a single annotations/*.json) found")
    return found[0], path


def _image_problem(image: Any, at: str, ids: set[int]) -> str | None:
    """What is wrong with one ``images`` entry, or None."""
    if not isinstance(image, dict) or not is_int(image.get("id")):
        return f"{at}: expected an object with an integer 'id'"
    if not isinstance(image.get("file_name"), str):
        return f"{at}.file_name: expected a string"
    if image["id"] in ids:
        return f"{at}.id: image id {image['id']} appears twice"
    return None


def _images(data: dict[str, Any], where: str, problems: Problems
            ) -> tuple[list[tuple[str, dict[str, Any]]], set[Any]]:
    """``(where, entry)`` of the valid image entries sorted by id, and the ids of skipped ones."""
    images = data.get("images")
    if not isinstance(images, list):
        raise DatasetError(f"{where}.images: expected a list")
    ids: set[int] = set()
    valid, dropped = [], set()
    for i, image in enumerate(images):
        at = f"{where}.images[{i}]"
        problem = _image_problem(image, at, ids)
        if problem is not None:
            problems.report(DatasetError(problem))
            if isinstance(image, dict) and is_int(image.get("id")) and image["id"] not in ids:
                dropped.add(image["id"])
            continue
        ids.add(image["id"])
        valid.append((at, image))
    return sorted(valid, key=lambda pair: pair[1]["id"]), dropped


def _grouped(annotations: Any, images: list[tuple[str, dict[str, Any]]], dropped: set[Any],
             where: str, problems: Problems) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """Annotations per image id, as ``(where, annotation)`` pairs (none for dropped images)."""
    if not isinstance(annotations, list):
        raise DatasetError(f"{where}.annotations: expected a list")
    grouped: dict[int, list[tuple[str, dict[str, Any]]]] = {im["id"]: [] for _, im in images}
    for i, ann in enumerate(annotations):
        at = f"{where}.annotations[{i}]"
        image_id = ann.get("image_id") if isinstance(ann, dict) else None
        if is_int(image_id) and image_id in dropped:  # its image was reported already
            continue
        if not is_int(image_id) or image_id not in grouped:  # is_int first: lists are unhashable
            problems.report(DatasetError(f"{at}.image_id: {image_id!r} is not an image id"))
            continue
        grouped[image_id].append((at, ann))
    return grouped


def _entry(at: str, image: dict[str, Any], image_root: Path,
           anns: list[tuple[str, dict[str, Any]]], cats: Categories) -> CocoEntry:
    size = (image.get("height"), image.get("width"))
    meta = {k: v for k, v in image.items() if k not in ("id", "file_name", "width", "height")}
    return CocoEntry(
        file=safe_relative(image_root, image["file_name"], f"{at}.file_name"),
        image_id=image["id"], size=size if all(is_int(v) for v in size) else None,  # type: ignore[arg-type]
        meta=meta, objects=parse_objects(anns, cats))


@register_loader("coco", itemwise=True)
def load_coco(path: Path, problems: Problems | None = None) -> LoadedDataset:
    """Read a COCO set: a folder with ``annotations.json`` (images in ``images/`` or beside it).

    Args:
        path: the folder, or the annotation file itself.
        problems: where malformed images and annotations go (default: the first one raises).
    """
    problems = problems or Problems()
    ann_file, root = _locate(path)
    data = read_json(ann_file)
    where = str(ann_file)
    if not isinstance(data, dict):
        raise DatasetError(f"{where}: expected a JSON object with images, annotations, categories")
    cats = parse_categories(data.get("categories", []), where)
    images, dropped = _images(data, where, problems)
    grouped = _grouped(data.get("annotations", []), images, dropped, where, problems)
    in_images = images and (root / "images" / images[0][1]["file_name"]).is_file()
    image_root = root / "images" if in_images else root
    entries, names = [], []
    for at, image in images:
        try:
            entries.append(_entry(at, image, image_root, grouped[image["id"]], cats))
        except DatasetError as exc:  # the image goes with its malformed annotation
            problems.report(exc)
            continue
        names.append(image["file_name"])
    return LoadedDataset(format="coco", root=path, task="detection", class_names=cats.names,
                         names=tuple(names), entries=tuple(entries), read=_read,
                         keypoint_names=cats.keypoint_names)


def _read(ds: LoadedDataset, i: int) -> LoadedSample:
    entry: CocoEntry = ds.entries[i]
    image = decode_file(entry.file)
    if entry.size is not None and entry.size != image.shape[:2]:
        raise DatasetError(f"{entry.file}: image is {image.shape[1]}x{image.shape[0]} but the "
                           f"annotations say {entry.size[1]}x{entry.size[0]}")
    return with_objects(i, ds.names[i], image, entry.image_id, ds.class_names, entry.objects,
                        dict(entry.meta))
