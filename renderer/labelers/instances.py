"""Per-object labels from the instance map: visible box and mask, amodal box, visibility,
truncation, depth and keypoints with COCO visibility flags."""

from __future__ import annotations

import cv2
import numpy as np

from renderer.classes import ClassTable
from renderer.compose.paste import PastedObject
from renderer.plan import ObjectPlan
from renderer.sample import ObjectLabel


def _keypoints(points: np.ndarray, n_names: int, id_map: np.ndarray, object_id: int,
               known: np.ndarray | None = None) -> np.ndarray:
    """(n_names, 3) float32 (x, y, v); v: 0 absent/outside, 1 hidden by an object in front, 2 visible.

    ``known`` gives the flags where the renderer decided them (3D objects, from depth).
    """
    height, width = id_map.shape
    out = np.zeros((n_names, 3), np.float32)
    for k, (x, y) in enumerate(points[:n_names]):
        if not (np.isfinite(x) and np.isfinite(y)) or not (0 <= x < width and 0 <= y < height):
            continue  # COCO convention: an unlabeled point is (0, 0, 0)
        if known is not None:
            out[k] = (x, y, known[k])
            continue
        covering = int(id_map[int(y), int(x)])
        out[k] = (x, y, 1 if covering > object_id else 2)
    return out


def label_objects(id_map: np.ndarray, pasted: list[tuple[int, ObjectPlan, PastedObject]],
                  classes: ClassTable) -> tuple[ObjectLabel, ...]:
    """Labels of every labeled object with at least one visible pixel, back to front.

    Args:
        id_map: (H, W) uint16 instance map (0 = background).
        pasted: (object id, plan, geometry) per drawn object, in paint order.
        classes: the spec's class table.
    """
    height, width = id_map.shape
    labels = []
    for depth, (object_id, plan, geom) in enumerate(pasted):
        if not plan.labeled or geom.amodal.size == 0:
            continue
        x0, y0 = geom.origin
        h, w = geom.amodal.shape
        visible = (id_map[y0:y0 + h, x0:x0 + w] == object_id).view(np.uint8)
        # OpenCV counts and bounds the mask in one pass each: 3x numpy's sum and any/nonzero
        area = cv2.countNonZero(visible)
        if area == 0:
            continue  # fully hidden: no annotation
        bx, by, bw, bh = cv2.boundingRect(visible)
        box = (float(x0 + bx), float(y0 + by), float(x0 + bx + bw), float(y0 + by + bh))
        ab = geom.amodal_box
        class_name = plan.class_name or ""
        labels.append(ObjectLabel(
            object_id=object_id, category_id=classes.index(class_name), class_name=class_name,
            bbox=box, amodal_bbox=ab, area=area, amodal_area=max(geom.amodal_area, area),
            visibility=min(area / max(geom.amodal_area, 1), 1.0),
            truncated=ab[0] < 0 or ab[1] < 0 or ab[2] > width or ab[3] > height,
            depth=depth,
            keypoints=_keypoints(geom.keypoints, len(classes.keypoint_names[class_name]),
                                 id_map, object_id, geom.keypoint_visibility),
            amodal=geom.amodal, origin=geom.origin, layer=plan.layer, pose=geom.pose,
        ))
    return tuple(labels)
