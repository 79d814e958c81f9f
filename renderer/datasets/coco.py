"""COCO reader: synth's own ``annotations.json`` + ``images/`` and plain third-party COCO sets.

Class indices follow the categories sorted by id (synth's categories 1..C give 0..C-1).
Boxes ``[x, y, w, h]`` become XYXY; masks (RLE, compressed or not, or polygons) are decoded only
when asked for. Annotations with ``iscrowd`` are kept and flagged in ``meta["iscrowd"]``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from renderer.datasets.base import (
    DatasetError,
    LoadedDataset,
    LoadedSample,
    decode_file,
    safe_relative,
)
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


def is_number(value: Any) -> bool:
    """Whether ``value`` is a finite JSON number (bools excluded)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


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
    return [box[0], box[1], box[0] + box[2], box[1] + box[3]]


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
        if ann.get("category_id") not in cats.index or not is_int(ann.get("category_id")):
            raise DatasetError(f"{at}.category_id: {ann.get('category_id')!r} is not a category id")
        boxes.append(_box(ann, at))
        classes.append(cats.index[ann["category_id"]])
        vis = ann.get("visibility", 1.0)
        if not is_number(vis):
            raise DatasetError(f"{at}.visibility: expected a number")
        visibility.append(vis)
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


def rle_counts(text: bytes) -> list[int]:
    """Run lengths of a compressed COCO RLE string (pycocotools' ``rleFrString``)."""
    counts: list[int] = []
    p = 0
    while p < len(text):
        x, k, more = 0, 0, True
        while more:
            if p >= len(text):
                raise DatasetError("compressed RLE ends inside a number")
            c = text[p] - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p, k = p + 1, k + 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        if len(counts) > 2:  # counts after the first two are stored as differences
            x += counts[-2]
        counts.append(x)
    return counts


def rle_mask(counts: list[int], height: int, width: int) -> np.ndarray:
    """(H, W) bool mask of COCO run lengths (column-major, starting with a run of zeros)."""
    runs = np.asarray(counts, np.int64)
    if (runs < 0).any() or runs.sum() != height * width:
        raise DatasetError(f"RLE runs cover {int(runs.sum())} pixels, not {height}x{width}")
    values = np.zeros(len(runs), bool)
    values[1::2] = True
    return np.repeat(values, runs).reshape(width, height).T


def decode_segmentations(segs: tuple[Any, ...], height: int, width: int) -> np.ndarray:
    """(n, H, W) bool masks from COCO RLEs (compressed or not) or polygons.

    RLEs are decoded here rather than by ``pycocotools.mask.decode``, which warns under numpy 2
    and crashes on malformed counts instead of reporting them.
    """
    masks = np.zeros((len(segs), height, width), bool)
    for k, seg in enumerate(segs):
        if isinstance(seg, list):
            merged = mask_utils.merge(mask_utils.frPyObjects(seg, height, width))
            counts = rle_counts(merged["counts"])
        else:
            if list(seg["size"]) != [height, width]:
                raise DatasetError(f"mask {k}: RLE size {seg['size']} differs from the image's "
                                   f"{[height, width]}")
            raw = seg["counts"]
            counts = raw if isinstance(raw, list) else rle_counts(raw.encode("ascii"))
        masks[k] = rle_mask(counts, height, width)
    return masks


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


def _images(data: dict[str, Any], where: str) -> list[dict[str, Any]]:
    images = data.get("images")
    if not isinstance(images, list):
        raise DatasetError(f"{where}.images: expected a list")
    ids = set()
    for i, image in enumerate(images):
        at = f"{where}.images[{i}]"
        if not isinstance(image, dict) or not is_int(image.get("id")):
            raise DatasetError(f"{at}: expected an object with an integer 'id'")
        if not isinstance(image.get("file_name"), str):
            raise DatasetError(f"{at}.file_name: expected a string")
        if image["id"] in ids:
            raise DatasetError(f"{at}.id: image id {image['id']} appears twice")
        ids.add(image["id"])
    return sorted(images, key=lambda im: im["id"])


def load_coco(path: Path) -> LoadedDataset:
    """Read a COCO set: a folder with ``annotations.json`` (images in ``images/`` or beside it)."""
    ann_file, root = _locate(path)
    data = read_json(ann_file)
    where = str(ann_file)
    if not isinstance(data, dict):
        raise DatasetError(f"{where}: expected a JSON object with images, annotations, categories")
    cats = parse_categories(data.get("categories", []), where)
    images = _images(data, where)
    annotations = data.get("annotations", [])
    if not isinstance(annotations, list):
        raise DatasetError(f"{where}.annotations: expected a list")
    grouped: dict[int, list[tuple[str, dict[str, Any]]]] = {im["id"]: [] for im in images}
    for i, ann in enumerate(annotations):
        at = f"{where}.annotations[{i}]"
        image_id = ann.get("image_id") if isinstance(ann, dict) else None
        if image_id not in grouped:
            raise DatasetError(f"{at}.image_id: {image_id!r} is not an image id")
        grouped[image_id].append((at, ann))
    in_images = images and (root / "images" / images[0]["file_name"]).is_file()
    image_root = root / "images" if in_images else root
    entries = []
    for i, image in enumerate(images):
        size = (image.get("height"), image.get("width"))
        meta = {k: v for k, v in image.items() if k not in ("id", "file_name", "width", "height")}
        entries.append(CocoEntry(
            file=safe_relative(image_root, image["file_name"], f"{where}.images[{i}]"),
            image_id=image["id"], size=size if all(is_int(v) for v in size) else None,  # type: ignore[arg-type]
            meta=meta, objects=parse_objects(grouped[image["id"]], cats)))
    return LoadedDataset(format="coco", root=path, task="detection", class_names=cats.names,
                         names=tuple(im["file_name"] for im in images), entries=tuple(entries),
                         read=_read, keypoint_names=cats.keypoint_names)


def _read(ds: LoadedDataset, i: int) -> LoadedSample:
    entry: CocoEntry = ds.entries[i]
    image = decode_file(entry.file)
    if entry.size is not None and entry.size != image.shape[:2]:
        raise DatasetError(f"{entry.file}: image is {image.shape[1]}x{image.shape[0]} but the "
                           f"annotations say {entry.size[1]}x{entry.size[0]}")
    return with_objects(i, ds.names[i], image, entry.image_id, ds.class_names, entry.objects,
                        dict(entry.meta))
