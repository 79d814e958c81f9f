"""YOLO in the Ultralytics layout: ``images/``, ``labels/`` and ``data.yaml``.

Each label line is ``class cx cy w h`` (normalised to 0-1), or with ``--yolo-mode polygons``
``class x1 y1 x2 y2 ...`` tracing the visible mask (segmentation).

With ``--split train=0.9,val=0.1`` images go to ``images/train``, ``images/val`` (labels alike)
and ``data.yaml`` names each split's folder. ``data.yaml`` has no ``path``: Ultralytics then
resolves the folders against the file's own location, so ``yolo train data=OUT/data.yaml``
works from any directory, and the dataset folder can be moved. Without ``--split``, ``train`` and
``val`` are the same images.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np
import yaml

from renderer.io import OutputError, image_name, write_bytes_atomic
from renderer.sample import Sample
from renderer.writers.base import WRITERS, DatasetInfo


def box_line(category: int, box: tuple[float, float, float, float], width: int, height: int) -> str:
    """``class cx cy w h`` with coordinates normalised by the image size."""
    x0, y0, x1, y1 = box
    return (f"{category} {(x0 + x1) / 2 / width:.6f} {(y0 + y1) / 2 / height:.6f} "
            f"{(x1 - x0) / width:.6f} {(y1 - y0) / height:.6f}")


def polygon_line(category: int, mask: np.ndarray, width: int, height: int) -> str | None:
    """``class x1 y1 ...`` of the largest outer contour of a mask, normalised; None if tiny."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea).reshape(-1, 2)
    if len(contour) < 3:
        return None
    coords = " ".join(f"{x / width:.6f} {y / height:.6f}" for x, y in contour)
    return f"{category} {coords}"


def _split_folders(info: DatasetInfo) -> tuple[str, ...]:
    """Sub-folders of ``images/`` and ``labels/``: one per split, or the folders themselves."""
    return info.split.names if info.split else ("",)


@WRITERS.register("yolo")
class YoloWriter:
    """Writes ``images/NNNNNN.ext`` and ``labels/NNNNNN.txt``; ``data.yaml`` at the end."""

    shard_files: ClassVar[bool] = False
    splits_itself: ClassVar[bool] = True

    def __init__(self, out: Path, info: DatasetInfo, shard: int) -> None:
        if info.split is not None and not {"train", "val"} <= set(info.split.names):
            raise OutputError("--format yolo: --split needs splits named train and val "
                              "(Ultralytics' data.yaml requires both), e.g. train=0.9,val=0.1")
        self.out, self.info = out, info
        self.polygons = info.options.get("yolo_mode", "boxes") == "polygons"

    def open(self) -> None:
        for folder in _split_folders(self.info):
            (self.out / "images" / folder).mkdir(parents=True, exist_ok=True)
            (self.out / "labels" / folder).mkdir(parents=True, exist_ok=True)

    def write(self, sample: Sample, image: bytes) -> list[tuple[str, bytes]]:
        height, width = sample.instance_map.shape
        lines = []
        for k, obj in enumerate(sample.objects):
            line = (polygon_line(obj.category_id, sample.visible_mask(k), width, height)
                    if self.polygons else None)
            lines.append(line or box_line(obj.category_id, obj.bbox, width, height))
        name = image_name(sample.index, self.info.image_format)
        label = ("\n".join(lines) + "\n" if lines else "").encode("ascii")
        folder = f"{self.info.split.of(sample.index)}/" if self.info.split else ""
        rel_image, rel_label = f"images/{folder}{name}", f"labels/{folder}{Path(name).stem}.txt"
        write_bytes_atomic(self.out / rel_image, image)
        write_bytes_atomic(self.out / rel_label, label)
        return [(rel_image, image), (rel_label, label)]

    def close(self) -> None:
        """Nothing buffered: every file is already final."""

    @staticmethod
    def finalize(out: Path, info: DatasetInfo, shards: list[int]) -> None:
        folders = ({name: f"images/{name}" for name in info.split.names} if info.split
                   else {"train": "images", "val": "images"})
        data = {**folders, "nc": len(info.class_names), "names": dict(enumerate(info.class_names))}
        write_bytes_atomic(out / "data.yaml",
                           yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode())
