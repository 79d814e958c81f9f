"""COCO detection / segmentation / keypoints: ``images/`` and ``annotations.json``.

Masks are RLE (pycocotools), categories start at 1, boxes are ``[x, y, w, h]`` of the visible
mask's extent. Extra fields per annotation: ``visibility``, ``amodal_bbox``,
``amodal_segmentation``, ``amodal_area``, ``truncated``, ``depth``; per image: ``plan`` (every
drawn value) and ``spec_hash``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from renderer.io import image_name, open_atomic, write_bytes_atomic
from renderer.sample import ObjectLabel, Sample
from renderer.writers.base import WRITERS, DatasetInfo, part_path


def xyxy_to_xywh(box: tuple[float, float, float, float]) -> list[float]:
    """COCO box from an XYXY box."""
    return [box[0], box[1], box[2] - box[0], box[3] - box[1]]


def encode_masks(sample: Sample) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """RLEs of every object's visible and amodal masks (one comparison over the id map).

    An unoccluded object's amodal mask equals its visible one (checked in its ROI): its visible
    RLE is reused instead of encoding a second full-frame mask.
    """
    if not sample.objects:
        return [], []
    height, width = sample.instance_map.shape
    ids = np.array([o.object_id for o in sample.objects], np.uint16)
    # pycocotools wants (H, W, n) in Fortran order, which is (n, W, H) in C order: build that
    # directly from the transposed id map instead of copying a C-order stack.
    id_map_t = cv2.transpose(sample.instance_map)  # 7x faster than numpy's copy of .T
    visible = (id_map_t[None] == ids[:, None, None]).view(np.uint8).T
    visible_rles = _as_json(mask_utils.encode(visible))
    occluded = [k for k, obj in enumerate(sample.objects) if not _amodal_is_visible(sample, obj)]
    amodal_rles = list(visible_rles)
    if occluded:
        amodal_t = np.zeros((len(occluded), width, height), np.uint8)
        for row, k in enumerate(occluded):
            obj = sample.objects[k]
            x0, y0 = obj.origin
            h, w = obj.amodal.shape
            amodal_t[row, x0:x0 + w, y0:y0 + h] = obj.amodal.T
        for k, rle in zip(occluded, _as_json(mask_utils.encode(amodal_t.T)), strict=True):
            amodal_rles[k] = rle
    return visible_rles, amodal_rles


def _as_json(rles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"size": r["size"], "counts": r["counts"].decode("ascii")} for r in rles]


def _amodal_is_visible(sample: Sample, obj: ObjectLabel) -> bool:
    """Whether ``obj``'s amodal mask equals its visible mask (compared in the amodal ROI)."""
    if obj.area != obj.amodal_area:
        return False
    x0, y0 = obj.origin
    h, w = obj.amodal.shape
    roi = sample.instance_map[y0:y0 + h, x0:x0 + w] == obj.object_id
    return bool(np.array_equal(roi, obj.amodal != 0))


def coco_records(sample: Sample, info: DatasetInfo) -> dict[str, Any]:
    """The image entry and annotations (without global ids) of one sample."""
    height, width = sample.instance_map.shape
    visible, amodal = encode_masks(sample)
    annotations = []
    for obj, rle, amodal_rle in zip(sample.objects, visible, amodal, strict=True):
        ann: dict[str, Any] = {
            "image_id": sample.index,
            "category_id": obj.category_id + 1,
            "bbox": xyxy_to_xywh(obj.bbox),
            "area": obj.area,
            "iscrowd": 0,
            "segmentation": rle,
            "visibility": round(obj.visibility, 6),
            "amodal_bbox": xyxy_to_xywh(obj.amodal_bbox),
            "amodal_segmentation": amodal_rle,
            "amodal_area": obj.amodal_area,
            "truncated": obj.truncated,
            "depth": obj.depth,
            "layer": obj.layer,
        }
        if info.keypoint_names.get(obj.class_name):
            ann["keypoints"] = [round(float(v), 3) for v in obj.keypoints.reshape(-1)]
            ann["num_keypoints"] = int((obj.keypoints[:, 2] > 0).sum())
        annotations.append(ann)
    image = {"id": sample.index, "file_name": image_name(sample.index, info.image_format),
             "width": width, "height": height, "plan": sample.plan,
             "spec_hash": sample.plan.get("spec_hash")}
    return {"image": image, "annotations": annotations}


def categories(info: DatasetInfo) -> list[dict[str, Any]]:
    """COCO categories, ids from 1, with keypoint names where the class has keypoints."""
    return [{"id": i + 1, "name": name, "supercategory": "object",
             "keypoints": list(info.keypoint_names.get(name, ())), "skeleton": []}
            for i, name in enumerate(info.class_names)]


@WRITERS.register("coco")
class CocoWriter:
    """Writes ``images/NNNNNN.ext``; one JSON-lines part per shard, merged at the end."""

    shard_files: ClassVar[bool] = False

    def __init__(self, out: Path, info: DatasetInfo, shard: int) -> None:
        self.out, self.info, self.shard = out, info, shard
        self.lines: list[str] = []

    def open(self) -> None:
        (self.out / "images").mkdir(parents=True, exist_ok=True)

    def write(self, sample: Sample, image: bytes) -> list[tuple[str, bytes]]:
        rel = f"images/{image_name(sample.index, self.info.image_format)}"
        write_bytes_atomic(self.out / rel, image)
        self.lines.append(json.dumps(coco_records(sample, self.info), separators=(",", ":")))
        return [(rel, image)]

    def close(self) -> None:
        write_bytes_atomic(part_path(self.out, "coco", self.shard),
                           ("\n".join(self.lines) + "\n").encode("utf-8") if self.lines else b"")

    @staticmethod
    def finalize(out: Path, info: DatasetInfo, shards: list[int]) -> None:
        def records() -> Any:
            for shard in shards:
                with open(part_path(out, "coco", shard), encoding="utf-8") as fh:
                    for line in fh:
                        if line.strip():
                            yield json.loads(line)

        with open_atomic(out / "annotations.json") as fh:
            fh.write('{"info": ' + json.dumps({"description": "rendered by synth"}))
            fh.write(', "licenses": [], "categories": ' + json.dumps(categories(info)))
            fh.write(', "images": [')
            for k, record in enumerate(records()):
                fh.write((", " if k else "") + json.dumps(record["image"], separators=(",", ":")))
            fh.write('], "annotations": [')
            ann_id = 0
            for record in records():
                for ann in record["annotations"]:
                    ann_id += 1
                    fh.write((", " if ann_id > 1 else "")
                             + json.dumps({"id": ann_id, **ann}, separators=(",", ":")))
            fh.write("]}\n")
