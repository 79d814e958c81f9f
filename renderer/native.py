"""``canvas.native`` at plan and render time: the drawn frame size, and the resize to the canvas.

The draw comes from its own ``native`` stream, so every other draw of an image is the same number
whether or not its frame is drawn at native size (positions and sizes are drawn as fractions of
the frame). See ``renderer.spec.native`` for the spec side and a YAML example.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import cv2
import numpy as np

from renderer.compose.paste import PastedObject, crop_mask, frame_mask
from renderer.filters import RESIZE_FILTERS
from renderer.rng import stream
from renderer.spec.scene import SceneSpec


def sample_native(spec: SceneSpec, seed: int, index: int) -> dict[str, Any] | None:
    """The native frame of image ``index``: ``{"width", "height", "scale", "interpolation"}``
    (pixels, multiple of the canvas side, filter name), or None when it is drawn at canvas size."""
    native = spec.canvas.native
    if native is None:
        return None
    rng = stream(seed, index, "native")
    if rng.random() >= native.p:
        return None
    scale = float(native.scale.sample(rng))
    width, height = spec.render_size
    return {"width": max(1, round(width * scale)), "height": max(1, round(height * scale)),
            "scale": scale, "interpolation": native.interpolation.sample(rng)}


def resize_frame(image: np.ndarray, out_size: tuple[int, int], interpolation: str) -> np.ndarray:
    """``image`` (h, w[, c]) resized to ``out_size`` (width, height) with the named filter."""
    out = cv2.resize(image, out_size, interpolation=RESIZE_FILTERS[interpolation])
    return out if out.ndim == image.ndim else out[..., None]


def resize_labels(id_map: np.ndarray, pasted: list[tuple[int, Any, PastedObject]],
                  out_size: tuple[int, int]) -> tuple[np.ndarray, list[tuple[int, Any, PastedObject]]]:
    """The instance map and each object's geometry taken from the native frame to ``out_size``.

    Masks are resized nearest, as the instance map is, so a mask and the map agree pixel for
    pixel; boxes and keypoints (continuous pixel coordinates, 0 at the frame's left edge) scale.
    """
    height, width = id_map.shape
    sx, sy = out_size[0] / width, out_size[1] / height
    ids = cv2.resize(id_map, out_size, interpolation=cv2.INTER_NEAREST)
    moved = []
    for object_id, obj, geom in pasted:
        mask = cv2.resize(frame_mask(geom, (width, height)), out_size,
                          interpolation=cv2.INTER_NEAREST) > 0
        amodal, origin = crop_mask(mask)
        bx = geom.amodal_box
        moved.append((object_id, obj, replace(
            geom, amodal=amodal, origin=origin,
            amodal_area=max(int(round(geom.amodal_area * sx * sy)), int(amodal.sum())),
            amodal_box=(bx[0] * sx, bx[1] * sy, bx[2] * sx, bx[3] * sy),
            keypoints=np.asarray(geom.keypoints, np.float64) * (sx, sy))))
    return ids, moved


def scale_intrinsics(camera: dict[str, Any], sx: float, sy: float) -> dict[str, Any]:
    """A camera record whose ``K`` projects into a frame resized by (sx, sy)."""
    k = np.asarray(camera["K"], np.float64).copy()
    k[0] *= sx
    k[1] *= sy
    return {**camera, "K": k.tolist()}
