"""WebDataset tar shards (``shard-000000.tar`` ...), as ``renderer.writers.webdataset`` writes them.

A sample is the run of members sharing a key (the name up to the first dot of its base name):
an image (``.jpg``, ``.png`` ...), optionally ``.json`` (synth's labels and plan: ``objects``
with XYXY ``bbox``, 0-based ``category_id``, RLE ``segmentation``, ``keypoints``) and ``.cls``
(class index). Other JSON layouts are kept whole in ``meta["json"]``.

Tars are indexed once (member offsets) and read by seeking: nothing is extracted, only regular
files count, and compressed tars are refused because they cannot be read at random.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from renderer.datasets.base import (
    IMAGE_SUFFIXES,
    DatasetError,
    LoadedDataset,
    LoadedSample,
    decode_bytes,
    image_ids,
)
from renderer.datasets.coco import (
    Objects,
    is_int,
    is_number,
    parse_segmentation,
    parse_visibility,
    with_objects,
)
from renderer.datasets.loaders import register_loader
from renderer.datasets.rendered import json_line, padded_keypoints, read_manifest

IMAGE_EXTS = frozenset(s.lstrip(".") for s in IMAGE_SUFFIXES)
MAX_MEMBER_BYTES = 512_000_000


@dataclass(frozen=True)
class Member:
    """Where one member's bytes lie in its tar."""

    tar: Path
    offset: int
    size: int


def shard_files(path: Path) -> list[Path]:
    """The tar shards of a WebDataset folder (or the one tar named), sorted by name."""
    return [path] if path.is_file() else sorted(p for p in path.glob("*.tar") if p.is_file())


def index_tar(tar_path: Path) -> list[tuple[str, dict[str, Member]]]:
    """(key, {extension: member}) per sample, in tar order."""
    samples: list[tuple[str, dict[str, Member]]] = []
    try:
        with tarfile.open(tar_path, mode="r:") as tar:
            for info in tar:
                if not info.isreg():
                    continue  # links and devices are never followed
                folder, _, base = info.name.rpartition("/")
                stem, dot, ext = base.partition(".")
                if not dot or not stem or base.startswith("."):
                    continue
                if info.size > MAX_MEMBER_BYTES:
                    raise DatasetError(f"{tar_path}: member {info.name} is {info.size} bytes")
                key = f"{folder}/{stem}" if folder else stem
                if not samples or samples[-1][0] != key:
                    samples.append((key, {}))
                samples[-1][1][ext.lower()] = Member(tar_path, info.offset_data, info.size)
    except tarfile.ReadError as exc:
        raise DatasetError(f"{tar_path}: not an uncompressed tar ({exc})") from None
    except OSError as exc:
        raise DatasetError(f"{tar_path}: cannot read: {exc.strerror or exc}") from None
    return samples


def read_member(member: Member) -> bytes:
    """The bytes of one member."""
    with open(member.tar, "rb") as fh:
        fh.seek(member.offset)
        data = fh.read(member.size)
    if len(data) != member.size:
        raise DatasetError(f"{member.tar}: truncated member at byte {member.offset}")
    return data


def _cls(member: Member, where: str) -> int:
    text = read_member(member).decode("ascii", "replace").strip()
    if not text.isdigit():
        raise DatasetError(f"{where}.cls: expected a class index, got {text[:20]!r}")
    return int(text)


def parse_objects(objects: Any, n_classes: int, k: int, where: str) -> Objects:
    """Validate the ``objects`` of a synth sample JSON."""
    if not isinstance(objects, list):
        raise DatasetError(f"{where}.objects: expected a list")
    boxes, classes, visibility, points, segs = [], [], [], [], []
    for i, obj in enumerate(objects):
        at = f"{where}.objects[{i}]"
        if not isinstance(obj, dict):
            raise DatasetError(f"{at}: expected an object")
        box = obj.get("bbox")
        if not isinstance(box, list) or len(box) != 4 or not all(is_number(v) for v in box):
            raise DatasetError(f"{at}.bbox: expected [x1, y1, x2, y2], 4 finite numbers")
        category = obj.get("category_id")
        if not is_int(category) or not 0 <= category < n_classes:
            raise DatasetError(f"{at}.category_id: {category!r} is not in 0..{n_classes - 1}")
        kp = obj.get("keypoints", [])
        if not isinstance(kp, list) or not all(
                isinstance(p, list) and len(p) == 3 and all(is_number(v) for v in p) for p in kp):
            raise DatasetError(f"{at}.keypoints: expected a list of [x, y, v]")
        boxes.append(box)
        classes.append(category)
        visibility.append(parse_visibility(obj, at))
        points.append(np.asarray(kp, np.float32).reshape(-1, 3))
        segs.append(parse_segmentation(obj, at))
    return Objects(
        boxes=np.array(boxes, np.float32).reshape(-1, 4), category_ids=np.array(classes, np.int64),
        visibility=np.array(visibility, np.float32),
        keypoints=padded_keypoints(points, max(k, *(len(p) for p in points), 0)),
        segmentations=None if any(s is None for s in segs) else tuple(segs),
        iscrowd=(0,) * len(boxes))


@register_loader("webdataset")
def load_webdataset(path: Path) -> LoadedDataset:
    """Read every sample of every shard (shards sorted by name, samples in tar order)."""
    tars = shard_files(path)
    if not tars:
        raise DatasetError(f"{path}: no .tar shards found")
    root = path if path.is_dir() else path.parent
    samples = [s for tar in tars for s in index_tar(tar)]
    samples = [s for s in samples if any(e in IMAGE_EXTS for e in s[1])]
    manifest = read_manifest(root) or {}
    names = tuple(str(n) for n in manifest.get("class_names", ()))
    task = (manifest.get("spec") or {}).get("task")
    if not names:
        labels = [_cls(m["cls"], f"{m['cls'].tar}:{key}") for key, m in samples if "cls" in m]
        names = tuple(str(c) for c in range(max(labels, default=-1) + 1))
    if task not in ("detection", "classification"):
        has_cls = bool(samples) and all("cls" in m for _, m in samples)
        task = "classification" if has_cls else "detection" if names else "unlabeled"
    keys = [key for key, _ in samples]
    keypoints = {str(c): tuple(v) for c, v in (manifest.get("keypoint_names") or {}).items()}
    entries = tuple((members, image_id)
                    for (_, members), image_id in zip(samples, image_ids(keys), strict=True))
    return LoadedDataset(format="webdataset", root=path, task=task, class_names=names,
                         names=tuple(keys), entries=entries, read=_read, keypoint_names=keypoints)


def _read(ds: LoadedDataset, i: int) -> LoadedSample:
    members, image_id = ds.entries[i]
    ext = next(e for e in members if e in IMAGE_EXTS)
    where = f"{members[ext].tar}:{ds.names[i]}"
    image = decode_bytes(read_member(members[ext]), f"{where}.{ext}")
    label = _cls(members["cls"], where) if "cls" in members else None
    if label is not None and label >= len(ds.class_names):
        raise DatasetError(f"{where}.cls: class {label} is not in 0..{len(ds.class_names) - 1}")
    data: dict[str, Any] = {}
    if "json" in members:
        data = json_line(read_member(members["json"]), members["json"].tar, None)
    k = max((len(v) for v in ds.keypoint_names.values()), default=0)
    if "objects" in data:
        objects = parse_objects(data["objects"], len(ds.class_names), k, f"{where}.json")
        meta = {"plan": data["plan"]} if isinstance(data.get("plan"), dict) else {}
    else:
        objects = parse_objects([], len(ds.class_names), 0, where)
        meta = {"json": data} if data else {}
    if label is None and is_int(data.get("label")):
        label = data["label"]
    return with_objects(i, ds.names[i], image, image_id, ds.class_names, objects, meta, label)
