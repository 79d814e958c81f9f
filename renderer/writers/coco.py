"""COCO detection / segmentation / keypoints: ``images/`` and ``annotations.json``.

Masks are RLE (pycocotools), categories start at 1, boxes are ``[x, y, w, h]`` of the visible
mask's extent. Extra fields per annotation: ``visibility``, ``amodal_bbox``,
``amodal_segmentation``, ``amodal_area``, ``truncated``, ``depth``; per image: ``plan`` (every
drawn value) and ``spec_hash``.

Scenes with 3D objects add, per annotation, ``pose`` (``R`` model-to-camera rotation as 3 rows,
``t`` in metres in the camera frame, ``scale``, and ``face_up`` for dice); the keypoints are
the projected centroid and 8 bounding-box corners, visibility from the depth buffer. Per image:
``camera`` (``K`` in pixels, world-to-camera ``R`` and ``t``) and ``depth_file``, a 16-bit PNG
in millimetres under ``depth/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from renderer.io import image_name, open_atomic, write_bytes_atomic
from renderer.sample import Sample
from renderer.writers.base import WRITERS, DatasetInfo, part_path
from renderer.writers.depth import DEPTH_DIR, depth_png
from renderer.writers.object_labels import object_fields


def xyxy_to_xywh(box: tuple[float, float, float, float]) -> list[float]:
    """COCO box from an XYXY box."""
    return [box[0], box[1], box[2] - box[0], box[3] - box[1]]


# COCO's annotation keys in the order written (the shared fields, renamed or converted).
ANNOTATION_KEYS = ("image_id", "category_id", "bbox", "area", "iscrowd", "segmentation", "visibility",
                   "amodal_bbox", "amodal_segmentation", "amodal_area", "truncated", "depth", "layer")


def coco_records(sample: Sample, info: DatasetInfo) -> dict[str, Any]:
    """The image entry and annotations (without global ids) of one sample.

    The values come from ``object_fields``, as WebDataset's do; COCO's conventions differ only in
    categories from 1, ``[x, y, w, h]`` boxes and flat keypoint triples.
    """
    height, width = sample.instance_map.shape
    annotations = []
    for obj, fields in zip(sample.objects, object_fields(sample, info), strict=True):
        coco = {**fields, "image_id": sample.index, "category_id": obj.category_id + 1,
                "bbox": xyxy_to_xywh(obj.bbox), "amodal_bbox": xyxy_to_xywh(obj.amodal_bbox),
                "iscrowd": 0}
        ann = {key: coco[key] for key in ANNOTATION_KEYS}
        if "pose" in fields:
            ann["pose"] = fields["pose"]
        if "keypoints" in fields:
            ann["keypoints"] = [v for point in fields["keypoints"] for v in point]
            ann["num_keypoints"] = int((obj.keypoints[:, 2] > 0).sum())
        annotations.append(ann)
    image = {"id": sample.index, "file_name": image_name(sample.index, info.image_format),
             "width": width, "height": height, "plan": sample.plan,
             "spec_hash": sample.plan.get("spec_hash")}
    if sample.camera is not None:
        image["camera"] = sample.camera
    if sample.depth is not None:
        image["depth_file"] = f"{DEPTH_DIR}/{image_name(sample.index, 'png')}"
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
        # the runner makes OUT's part folder; a split's folder (OUT/train) needs its own
        part_path(self.out, "coco", self.shard).parent.mkdir(parents=True, exist_ok=True)

    def write(self, sample: Sample, image: bytes) -> list[tuple[str, bytes]]:
        rel = f"images/{image_name(sample.index, self.info.image_format)}"
        write_bytes_atomic(self.out / rel, image)
        written = [(rel, image)]
        if sample.depth is not None:
            depth_rel = f"{DEPTH_DIR}/{image_name(sample.index, 'png')}"
            (self.out / DEPTH_DIR).mkdir(exist_ok=True)
            data = depth_png(sample.depth)
            write_bytes_atomic(self.out / depth_rel, data)
            written.append((depth_rel, data))
        records = coco_records(sample, self.info)
        # One line per image: its record, then each annotation (without its id), tab-separated.
        # JSON text never holds a raw tab, so the merge splits lines instead of parsing them.
        self.lines.append("\t".join(json.dumps(r, separators=(",", ":"))
                                    for r in (records["image"], *records["annotations"])))
        return written

    def close(self) -> None:
        write_bytes_atomic(part_path(self.out, "coco", self.shard),
                           ("\n".join(self.lines) + "\n").encode("utf-8") if self.lines else b"")

    @staticmethod
    def finalize(out: Path, info: DatasetInfo, shards: list[int]) -> None:
        # Two streaming passes over the parts (images first, then annotations): memory stays
        # flat in the number of images, and no record is parsed or serialized again.
        def lines() -> Any:
            for shard in shards:
                with open(part_path(out, "coco", shard), encoding="utf-8") as fh:
                    for line in fh:
                        if line.strip():
                            yield line.rstrip("\n").split("\t")

        with open_atomic(out / "annotations.json") as fh:
            fh.write('{"info": ' + json.dumps({"description": "rendered by synth"}))
            fh.write(', "licenses": [], "categories": ' + json.dumps(categories(info)))
            fh.write(', "images": [')
            for k, fields in enumerate(lines()):
                fh.write((", " if k else "") + fields[0])
            fh.write('], "annotations": [')
            ann_id = 0
            for fields in lines():
                for ann in fields[1:]:
                    ann_id += 1
                    fh.write(f'{", " if ann_id > 1 else ""}{{"id":{ann_id},{ann[1:]}')
            fh.write("]}\n")
