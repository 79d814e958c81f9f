"""The ``Sample``: one rendered image with its exact labels and the plan that made it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

BOX_FORMAT = "XYXY"  # pixel corners, float; x1/y1 exclusive (a 1-pixel object is 1 wide)


@dataclass(frozen=True)
class ObjectLabel:
    """Labels of one visible object, all derived from rendered pixels.

    Attributes:
        object_id: value of this object in the instance map.
        category_id: 0-based index into ``Sample.class_names``.
        bbox: visible box (extent of the visible mask), XYXY pixels.
        amodal_bbox: box of the whole object, including hidden and truncated parts.
        area: visible pixels. amodal_area: pixels of the whole object.
        visibility: area / amodal_area, in (0, 1].
        truncated: whether the object extends past the canvas border.
        depth: paint order, 0 = furthest back.
        keypoints: (k, 3) float32 (x, y, v) with COCO flags: 0 absent / outside the canvas,
            1 hidden by an object in front, 2 visible.
        amodal: (h, w) bool mask of the whole object inside the canvas, placed at ``origin``.
        pose: 3D objects only: ``R`` (3x3, model to camera), ``t`` (3, metres, camera frame),
            ``scale`` (model units to metres) and, for dice, ``face_up``.
    """

    object_id: int
    category_id: int
    class_name: str
    bbox: tuple[float, float, float, float]
    amodal_bbox: tuple[float, float, float, float]
    area: int
    amodal_area: int
    visibility: float
    truncated: bool
    depth: int
    keypoints: np.ndarray
    amodal: np.ndarray
    origin: tuple[int, int]
    layer: str = ""
    pose: dict[str, Any] | None = None


@dataclass(frozen=True)
class Sample:
    """One rendered image (HWC uint8, RGB or single-channel) with labels and its plan.

    ``label`` is the class index for classification scenes, else None. Scenes with 3D objects
    add ``depth`` ((H, W) float32 metres along the optical axis, 0 where no mesh is),
    ``normals`` ((H, W, 3) float32 camera-frame unit normals, 0 where no mesh is) and
    ``camera`` (``K`` 3x3 pixels, world-to-camera ``R``, ``t`` metres).
    """

    index: int
    image: np.ndarray
    instance_map: np.ndarray
    objects: tuple[ObjectLabel, ...]
    class_names: tuple[str, ...]
    plan: dict[str, Any]
    label: int | None = None
    keypoint_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    depth: np.ndarray | None = None
    normals: np.ndarray | None = None
    camera: dict[str, Any] | None = None

    @property
    def canvas_size(self) -> tuple[int, int]:
        """(height, width) in pixels, as torchvision's ``BoundingBoxes`` records it."""
        return self.image.shape[0], self.image.shape[1]

    def visible_mask(self, k: int) -> np.ndarray:
        """(H, W) bool visible mask of object ``k`` of ``objects``."""
        return self.instance_map == self.objects[k].object_id

    def amodal_mask(self, k: int) -> np.ndarray:
        """(H, W) bool mask of the whole object ``k`` (hidden parts included), within the canvas."""
        obj = self.objects[k]
        mask = np.zeros(self.instance_map.shape, bool)
        x0, y0 = obj.origin
        h, w = obj.amodal.shape
        mask[y0:y0 + h, x0:x0 + w] = obj.amodal
        return mask

    def semantic_mask(self) -> np.ndarray:
        """(H, W) uint16 class map: 0 = background/unlabeled, c + 1 = ``class_names[c]``."""
        lut = np.zeros(int(self.instance_map.max()) + 1, np.uint16)
        for obj in self.objects:
            lut[obj.object_id] = obj.category_id + 1
        return lut[self.instance_map]
