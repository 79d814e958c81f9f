"""BOP (Benchmark for 6D Object Pose) layout, as the BOP toolkit reads it.

Scenes of 1,000 images: image ``index`` is image ``index % 1000`` of scene ``index // 1000``::

    000000/rgb/000000.jpg               the image
    000000/depth/000000.png             16-bit depth, millimetres (depth_scale 1.0)
    000000/mask/000000_000000.png       whole silhouette of object 0 (occlusion ignored)
    000000/mask_visib/000000_000000.png its visible part
    000000/scene_camera.json            cam_K, depth_scale, cam_R_w2c, cam_t_w2c (mm)
    000000/scene_gt.json                obj_id, cam_R_m2c (row-major 3x3), cam_t_m2c (mm)
    000000/scene_gt_info.json           bbox_obj, bbox_visib, px_count_*, visib_fract

``obj_id`` is the class index + 1 (as COCO category ids). A pose maps the mesh *as drawn*
(file or procedural mesh times its ``scale``, also stored as ``scale``) to the camera.
Needs a scene with mesh objects (a camera).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from renderer.io import write_bytes_atomic
from renderer.sample import Sample
from renderer.writers.base import WRITERS, DatasetInfo, part_path
from renderer.writers.coco import xyxy_to_xywh
from renderer.writers.depth import MM_PER_M, depth_png

SCENE_SIZE = 1000
_PNG = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE]


def _flat(matrix: Any) -> list[float]:
    return [round(float(v), 9) for v in np.asarray(matrix, float).reshape(-1)]


def _mm(vector: Any) -> list[float]:
    return [round(float(v) * MM_PER_M, 6) for v in vector]


def _mask_png(mask: np.ndarray) -> bytes:
    return cv2.imencode(".png", mask.astype(np.uint8) * 255, _PNG)[1].tobytes()


def bop_records(sample: Sample) -> dict[str, Any]:
    """The scene_camera, scene_gt and scene_gt_info entries of one sample."""
    camera = sample.camera
    assert camera is not None
    gt, info = [], []
    for obj in sample.objects:
        pose = obj.pose or {}
        gt.append({"obj_id": obj.category_id + 1, "cam_R_m2c": _flat(pose["R"]),
                   "cam_t_m2c": _mm(pose["t"]), "scale": pose["scale"]})
        info.append({"bbox_obj": xyxy_to_xywh(obj.amodal_bbox), "bbox_visib": xyxy_to_xywh(obj.bbox),
                     "px_count_all": obj.amodal_area, "px_count_valid": int(obj.amodal.sum()),
                     "px_count_visib": obj.area, "visib_fract": round(obj.visibility, 6)})
    return {"camera": {"cam_K": _flat(camera["K"]), "depth_scale": 1.0,
                       "cam_R_w2c": _flat(camera["R"]), "cam_t_w2c": _mm(camera["t"])},
            "gt": gt, "gt_info": info}


@WRITERS.register("bop")
class BopWriter:
    """Writes images, depth and masks per scene; the scene JSON files at the end."""

    shard_files: ClassVar[bool] = False

    def __init__(self, out: Path, info: DatasetInfo, shard: int) -> None:
        self.out, self.info, self.shard = out, info, shard
        self.lines: list[str] = []

    def open(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)

    def write(self, sample: Sample, image: bytes) -> list[tuple[str, bytes]]:
        if sample.camera is None or sample.depth is None:
            raise ValueError("format bop needs 3D objects: a scene with mesh layers and a camera")
        scene, im = divmod(sample.index, SCENE_SIZE)
        root = f"{scene:06d}"
        files = [(f"{root}/rgb/{im:06d}.{self.info.image_format}", image),
                 (f"{root}/depth/{im:06d}.png", depth_png(sample.depth))]
        for k in range(len(sample.objects)):
            files.append((f"{root}/mask/{im:06d}_{k:06d}.png", _mask_png(sample.amodal_mask(k))))
            files.append((f"{root}/mask_visib/{im:06d}_{k:06d}.png",
                          _mask_png(sample.visible_mask(k))))
        for rel, data in files:
            (self.out / rel).parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomic(self.out / rel, data)
        self.lines.append(json.dumps({"scene": scene, "im": im, **bop_records(sample)},
                                     separators=(",", ":")))
        return files

    def close(self) -> None:
        write_bytes_atomic(part_path(self.out, "bop", self.shard),
                           ("\n".join(self.lines) + "\n").encode("utf-8") if self.lines else b"")

    @staticmethod
    def finalize(out: Path, info: DatasetInfo, shards: list[int]) -> None:
        scenes: dict[int, dict[str, dict[str, Any]]] = defaultdict(
            lambda: {"scene_camera": {}, "scene_gt": {}, "scene_gt_info": {}})
        for shard in shards:
            with open(part_path(out, "bop", shard), encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        r = json.loads(line)
                        files = scenes[r["scene"]]
                        key = str(r["im"])
                        files["scene_camera"][key] = r["camera"]
                        files["scene_gt"][key] = r["gt"]
                        files["scene_gt_info"][key] = r["gt_info"]
        for scene, files in sorted(scenes.items()):
            for name, data in files.items():
                ordered = dict(sorted(data.items(), key=lambda kv: int(kv[0])))
                write_bytes_atomic(out / f"{scene:06d}" / f"{name}.json",
                                   (json.dumps(ordered, indent=2) + "\n").encode("utf-8"))
