"""What synth's own outputs add to a folder: ``manifest.json`` and ``plans.jsonl``.

Also ``from_sample``: a freshly rendered ``Sample`` as a ``LoadedSample``, so rendered-on-the-fly
and read-from-disk images go through one conversion (``renderer.torch``, ``to_eval_set``).
"""

from __future__ import annotations

import json
import re
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from renderer.datasets.base import DatasetError, LoadedSample
from renderer.sample import Sample

_INDEX_PREFIX = re.compile(rb'^\{"index":\s*(\d+)\s*,')


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The ``manifest.json`` of a rendered set (None when absent: a third-party set)."""
    path = root / "manifest.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, dict):
        raise DatasetError(f"{path}: expected a JSON object")
    return data


class PlanIndex:
    """Plans of a rendered set by sample index, read from ``plans.jsonl`` on demand.

    Only line offsets are kept in memory: plans of large runs take more room than their images'
    labels, and most users never look at them.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offsets: dict[int, int] = {}
        if not path.is_file():
            return
        offset = 0
        with open(path, "rb") as fh:
            for lineno, line in enumerate(fh, start=1):
                match = _INDEX_PREFIX.match(line)
                if match:
                    index = int(match.group(1))
                elif line.strip():
                    index = _index_of(json_line(line, path, lineno), path, lineno)
                else:
                    offset += len(line)
                    continue
                self.offsets[index] = offset
                offset += len(line)

    def get(self, index: int) -> dict[str, Any]:
        """The plan of sample ``index`` (empty when the set has no plan for it)."""
        offset = self.offsets.get(index)
        if offset is None:
            return {}
        with open(self.path, "rb") as fh:
            fh.seek(offset)
            line = fh.readline()
        record = json_line(line, self.path, None)
        plan = record.get("plan")
        return plan if isinstance(plan, dict) else {}


def json_line(line: bytes, path: Path, lineno: int | None) -> dict[str, Any]:
    """Parse one JSON-lines record; errors name the file and line."""
    where = f"{path} line {lineno}" if lineno else str(path)
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(record, dict):
        raise DatasetError(f"{where}: expected a JSON object")
    return record


def _index_of(record: dict[str, Any], path: Path, lineno: int) -> int:
    index = record.get("index")
    if not isinstance(index, int) or isinstance(index, bool):
        raise DatasetError(f"{path} line {lineno}: field 'index' must be an integer")
    return index


def plan_index(root: Path) -> PlanIndex | None:
    """The plans of a rendered set in ``root``, or None for a third-party set."""
    path = root / "plans.jsonl"
    return PlanIndex(path) if path.is_file() else None


def padded_keypoints(points: list[np.ndarray], k: int) -> np.ndarray | None:
    """Stack per-object (k_i, 3) keypoints into (n, k, 3), padding with absent (0) points."""
    if k == 0:
        return None
    out = np.zeros((len(points), k, 3), np.float32)
    for i, p in enumerate(points):
        m = min(len(p), k)
        out[i, :m] = p[:m]
    return out


def _instance_masks(instance_map: np.ndarray, ids: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(n, H, W) bool visible masks, comparing the id map only inside each object's box."""
    masks = np.zeros((len(ids), *instance_map.shape), bool)
    for k, (object_id, box) in enumerate(zip(ids, boxes, strict=True)):
        x0, y0 = np.floor(box[:2]).astype(int)
        x1, y1 = np.ceil(box[2:]).astype(int)
        masks[k, y0:y1, x0:x1] = instance_map[y0:y1, x0:x1] == object_id
    return masks


def from_sample(sample: Sample) -> LoadedSample:
    """A rendered ``Sample`` as a ``LoadedSample`` (masks are the visible masks, made on demand)."""
    objects = sample.objects
    boxes = np.array([o.bbox for o in objects], np.float32).reshape(-1, 4)
    ids = np.array([o.object_id for o in objects], np.uint16)
    k = max((len(v) for v in sample.keypoint_names.values()), default=0)
    return LoadedSample(
        index=sample.index, name=f"{sample.index:06d}", image=sample.image,
        class_names=sample.class_names, boxes=boxes,
        category_ids=np.array([o.category_id for o in objects], np.int64),
        label=sample.label, image_id=sample.index,
        visibility=np.array([o.visibility for o in objects], np.float32),
        keypoints=padded_keypoints([o.keypoints for o in objects], k),
        meta={"plan": sample.plan, **_geometry_3d(sample)},
        mask_source=partial(_instance_masks, sample.instance_map, ids, boxes))


def _geometry_3d(sample: Sample) -> dict[str, np.ndarray]:
    """Depth (H, W) metres, K (3, 3), per-object R (n, 3, 3) and t (n, 3) metres of 3D scenes."""
    if sample.camera is None or sample.depth is None:
        return {}
    poses = [o.pose for o in sample.objects]
    n = len(poses)
    return {"depth": sample.depth, "K": np.asarray(sample.camera["K"], np.float32),
            "R": np.array([p["R"] if p else np.full((3, 3), np.nan) for p in poses],
                          np.float32).reshape(n, 3, 3),
            "t": np.array([p["t"] if p else np.full(3, np.nan) for p in poses],
                          np.float32).reshape(n, 3)}
