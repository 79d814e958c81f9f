"""Per-object labels shared by the writers: one builder, so the formats cannot drift apart."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from renderer.sample import ObjectLabel, Sample
from renderer.writers.base import DatasetInfo
from renderer.writers.depth import pose_record


def object_fields(sample: Sample, info: DatasetInfo) -> list[dict[str, Any]]:
    """Every label of each object of ``sample``, in one place for every format that writes them.

    Boxes are pixel XYXY floats (x2/y2 exclusive), ``category_id`` is 0-based, masks are COCO
    compressed RLE, ``visibility`` is rounded to 6 decimals and ``keypoints`` (only for classes
    that have keypoints) are ``[x, y, v]`` triples rounded to 3 decimals; 3D objects add
    ``pose`` (see ``writers/depth.py``). WebDataset writes these
    as they are; COCO renames and converts a few (see ``writers/coco.py``).
    """
    visible, amodal = encode_masks(sample)
    objects = []
    for obj, rle, amodal_rle in zip(sample.objects, visible, amodal, strict=True):
        record: dict[str, Any] = {
            "object_id": obj.object_id, "category_id": obj.category_id,
            "class_name": obj.class_name, "bbox": list(obj.bbox),
            "amodal_bbox": list(obj.amodal_bbox), "area": obj.area,
            "amodal_area": obj.amodal_area, "visibility": round(obj.visibility, 6),
            "truncated": obj.truncated, "depth": obj.depth, "layer": obj.layer,
            "segmentation": rle, "amodal_segmentation": amodal_rle,
        }
        if obj.pose is not None:
            record["pose"] = pose_record(obj.pose)
        if info.keypoint_names.get(obj.class_name):
            record["keypoints"] = [[round(float(v), 3) for v in point] for point in obj.keypoints]
        objects.append(record)
    return objects


def encode_masks(sample: Sample) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """RLEs of every object's visible and amodal masks.

    Each mask is run-length coded over the columns its object spans only (see ``_band_rle``),
    and an unoccluded object's amodal mask, equal to its visible one (checked in its ROI),
    reuses the visible RLE.
    """
    # column-major order is what COCO's RLE runs along: work in the transposed id map
    id_map_t = cv2.transpose(sample.instance_map)  # 7x faster than numpy's copy of .T
    width, height = id_map_t.shape
    visible_rles, amodal_rles = [], []
    for obj in sample.objects:
        x0, y0 = obj.origin
        h, w = obj.amodal.shape
        visible = _band_rle(id_map_t[x0:x0 + w] == obj.object_id, x0, width)
        visible_rles.append(visible)
        if _amodal_is_visible(sample, obj):
            amodal_rles.append(visible)
            continue
        band_t = np.zeros((w, height), bool)
        band_t[:, y0:y0 + h] = obj.amodal.T
        amodal_rles.append(_band_rle(band_t, x0, width))
    return visible_rles, amodal_rles


def _band_rle(band_t: np.ndarray, x0: int, width: int) -> dict[str, Any]:
    """COCO RLE (compressed, JSON-ready) of a full-frame mask that is empty outside columns
    ``x0 .. x0 + len(band_t)``, given those columns as ``band_t`` (columns x full height, bool).

    Runs are counted over the band alone (objects span a fraction of the frame's columns), then
    the empty columns on either side lengthen the first and last runs of zeros.
    """
    n_columns, height = band_t.shape
    flat = band_t.reshape(-1)
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    runs = np.diff(np.concatenate(([0], change, [flat.size])))
    if flat.size and flat[0]:
        runs = np.concatenate(([0], runs))  # RLE counts start with a run of zeros
    runs[0] += x0 * height
    after = (width - x0 - n_columns) * height
    if after:
        if len(runs) % 2:  # the band ends on a run of zeros: lengthen it
            runs[-1] += after
        else:
            runs = np.append(runs, after)
    rle = mask_utils.frPyObjects({"counts": runs.tolist(), "size": [height, width]}, height, width)
    return {"size": rle["size"], "counts": rle["counts"].decode("ascii")}


def _amodal_is_visible(sample: Sample, obj: ObjectLabel) -> bool:
    """Whether ``obj``'s amodal mask equals its visible mask (compared in the amodal ROI)."""
    if obj.area != obj.amodal_area:
        return False
    x0, y0 = obj.origin
    h, w = obj.amodal.shape
    roi = sample.instance_map[y0:y0 + h, x0:x0 + w] == obj.object_id
    return bool(np.array_equal(roi, obj.amodal != 0))
