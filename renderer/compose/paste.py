"""Paste one object into the frame: warp, material, shading, shadow, blend, instance map.

All work happens in the object's region of interest, never in full-frame layers: a scene's cost
grows with the area of its objects, not with their number times the canvas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from renderer.assets.base import AssetRaster
from renderer.compose.geometry import footprint, transform_points
from renderer.compose.poisson import poisson_blend
from renderer.compose.shading import apply_shadow, shade
from renderer.filters import line_kernel
from renderer.textures.base import render_texture

_LABEL_THRESHOLD = 128  # alpha at which a pixel belongs to the object's mask


@dataclass(frozen=True)
class PastedObject:
    """Geometry of one pasted object, for the labelers.

    Attributes:
        amodal: (h, w) bool mask of the whole object, clipped to the canvas, at ``origin``.
        origin: (x0, y0) canvas position of ``amodal``'s top-left pixel.
        amodal_area: pixels of the whole object including the part outside the canvas.
        amodal_box: (x0, y0, x1, y1) extent of the whole object's mask (may leave the canvas).
        keypoints: (k, 2) canvas coordinates (NaN for absent points).
        keypoint_visibility: (k,) COCO flags when the renderer knows them (3D objects test
            points against the depth buffer), else None: decided from the instance map.
        pose: 6-DoF pose of a 3D object in the camera frame (``R``, ``t`` metres, ``scale``).
    """

    amodal: np.ndarray
    origin: tuple[int, int]
    amodal_area: int
    amodal_box: tuple[float, float, float, float]
    keypoints: np.ndarray
    keypoint_visibility: np.ndarray | None = None
    pose: dict[str, Any] | None = None


def frame_mask(obj: PastedObject, size: tuple[int, int]) -> np.ndarray:
    """``obj``'s amodal mask placed in a uint8 frame of ``size`` (width, height) pixels."""
    full = np.zeros((size[1], size[0]), np.uint8)
    x0, y0 = obj.origin
    h, w = obj.amodal.shape
    full[y0:y0 + h, x0:x0 + w] = obj.amodal
    return full


def crop_mask(mask: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """A bool frame mask cut to its extent, and the cut's (x0, y0) in the frame (an empty mask
    gives a 0x0 mask at (0, 0)): the ``amodal`` and ``origin`` of a ``PastedObject``."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return np.zeros((0, 0), bool), (0, 0)
    x0, y0 = int(xs.min()), int(ys.min())
    return np.ascontiguousarray(mask[y0:ys.max() + 1, x0:xs.max() + 1]), (x0, y0)


@dataclass(frozen=True)
class _Region:
    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def size(self) -> tuple[int, int]:
        return self.x1 - self.x0, self.y1 - self.y0

    def clip(self, width: int, height: int) -> _Region:
        return _Region(max(self.x0, 0), max(self.y0, 0), min(self.x1, width), min(self.y1, height))

    def grow(self, margin: int) -> _Region:
        return _Region(self.x0 - margin, self.y0 - margin, self.x1 + margin, self.y1 + margin)

    @property
    def empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0


def _warp(src: np.ndarray, matrix: np.ndarray, region: _Region) -> np.ndarray:
    local = np.array([[1, 0, -region.x0], [0, 1, -region.y0], [0, 0, 1]], np.float64) @ matrix
    if abs(local[2, 0]) < 1e-12 and abs(local[2, 1]) < 1e-12:
        return cv2.warpAffine(src, local[:2], region.size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return cv2.warpPerspective(src, local, region.size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _fill(raster: AssetRaster, matrix: np.ndarray, region: _Region, alpha: np.ndarray,
          material: dict[str, Any]) -> np.ndarray:
    """Premultiplied float32 colour of the object in ``region``."""
    if raster.rgb is not None:
        return _warp(raster.rgb, matrix, region).astype(np.float32)
    alpha3 = cv2.cvtColor(alpha, cv2.COLOR_GRAY2RGB)
    if material["texture"] is not None:
        w, h = region.size
        texture = render_texture(material["texture"], h, w)
        return cv2.multiply(texture, alpha3, scale=1 / 255, dtype=cv2.CV_32F)
    # one OpenCV pass (alpha x colour / 255, per channel): 10x numpy's broadcast in float
    scale = (*(float(c) / 255 for c in material["color"]), 0.0)
    return cv2.multiply(alpha3, scale, dtype=cv2.CV_32F)


def _jitter_hsv(prem: np.ndarray, material: dict[str, Any]) -> np.ndarray:
    dh, ss, vs = material["hue_shift"], material["saturation_scale"], material["value_scale"]
    if dh == 0 and ss == 1 and vs == 1:
        return prem
    # HSV hue and saturation are invariant to the premultiplying gain, and value is linear in it,
    # so jittering premultiplied colour is exact.
    hsv = cv2.cvtColor(np.clip(prem, 0, 255) * np.float32(1 / 255), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = np.mod(hsv[..., 0] + dh, 360)
    hsv[..., 1] = np.clip(hsv[..., 1] * ss, 0, 1)
    hsv[..., 2] *= vs
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB) * np.float32(255)


def _blend_margin(blend: dict[str, Any]) -> int:
    if blend["mode"] == "motion":
        return int(np.ceil(blend["length"] / 2)) + 1
    return 3 if blend["mode"] == "poisson" else 0


def _apply_blend(alpha: np.ndarray, prem: np.ndarray, blend: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Return (alpha float32 0-1, premultiplied colour) after feathering or motion smear."""
    a = alpha.astype(np.float32) * np.float32(1 / 255)
    if blend["mode"] == "feather" and blend["radius"] > 0:
        soft = cv2.GaussianBlur(a, (0, 0), blend["radius"])
        # feather inward: never grows past the outline
        return a * soft, cv2.multiply(prem, cv2.cvtColor(soft, cv2.COLOR_GRAY2RGB))
    if blend["mode"] == "motion":
        kernel = line_kernel(blend["length"], blend["angle"])
        return (cv2.filter2D(a, -1, kernel, borderType=cv2.BORDER_CONSTANT),
                cv2.filter2D(prem, -1, kernel, borderType=cv2.BORDER_CONSTANT))
    return a, prem


def paste_object(frame: np.ndarray, id_map: np.ndarray, object_id: int, raster: AssetRaster,
                 matrix: np.ndarray, material: dict[str, Any], blend: dict[str, Any],
                 light: dict[str, Any] | None, response: np.ndarray | None = None) -> PastedObject | None:
    """Draw one object into ``frame`` (H, W, 3 uint8) and ``id_map`` (H, W uint16), in place.

    ``response`` (H, W float32), when given, is the frame's ambient-light exponent map
    (``Material.ambient_response``): the object writes its own exponent into it with its alpha,
    so a soft edge takes a mix and an object pasted on top takes the pixel back.

    Returns the object's geometry, or None when no pixel of it lands on the canvas.
    """
    height, width = id_map.shape
    x0, y0, x1, y1 = footprint(matrix, raster.size)
    whole = _Region(int(np.floor(x0)), int(np.floor(y0)), int(np.ceil(x1)), int(np.ceil(y1)))
    if whole.empty or whole.clip(width, height).empty:
        return None
    # The whole (unclipped) mask gives amodal area and box, including what the border truncates.
    whole_alpha = _warp(raster.alpha, matrix, whole)
    amodal_whole = whole_alpha >= _LABEL_THRESHOLD
    amodal_area = cv2.countNonZero(amodal_whole.view(np.uint8))
    if amodal_area == 0:
        return None
    bx, by, bw, bh = cv2.boundingRect(amodal_whole.view(np.uint8))
    amodal_box = (float(bx + whole.x0), float(by + whole.y0),
                  float(bx + bw + whole.x0), float(by + bh + whole.y0))
    visible = whole.clip(width, height)
    amodal = amodal_whole[visible.y0 - whole.y0:visible.y1 - whole.y0,
                          visible.x0 - whole.x0:visible.x1 - whole.x0]

    if light is not None:
        apply_shadow(frame, whole_alpha, (whole.x0, whole.y0), light)
    margin = _blend_margin(blend)
    region = whole.grow(margin).clip(width, height)
    if margin == 0:  # the region is the visible part of the whole warp: reuse it
        alpha = whole_alpha[region.y0 - whole.y0:region.y1 - whole.y0,
                            region.x0 - whole.x0:region.x1 - whole.x0]
    else:
        alpha = _warp(raster.alpha, matrix, region)
    prem = _jitter_hsv(_fill(raster, matrix, region, alpha, material), material)
    if light is not None:
        prem = shade(prem, region.x0, region.y0, (x0 + x1) / 2, (y0 + y1) / 2,
                     max(x1 - x0, y1 - y0) / 2, light)
    a, prem = _apply_blend(alpha, prem, blend)
    roi = frame[region.y0:region.y1, region.x0:region.x1]
    # OpenCV's saturating add rounds and clips to uint8 in the same pass as the sum
    behind = cv2.multiply(roi, cv2.cvtColor(1 - a, cv2.COLOR_GRAY2RGB), dtype=cv2.CV_32F)
    composited = cv2.add(behind, prem, dtype=cv2.CV_8U)
    if blend["mode"] == "poisson":  # plans made before ``strength`` existed blended fully
        roi[:] = poisson_blend(roi, composited, alpha, blend.get("strength", 1.0))
    else:
        roi[:] = composited
    if response is not None:
        exponent = response[region.y0:region.y1, region.x0:region.x1]
        exponent += (np.float32(material.get("ambient_response", 1.0)) - exponent) * a

    ids = id_map[visible.y0:visible.y1, visible.x0:visible.x1]
    ids[amodal] = object_id
    return PastedObject(
        amodal=np.ascontiguousarray(amodal), origin=(visible.x0, visible.y0),
        amodal_area=amodal_area, amodal_box=amodal_box,
        keypoints=transform_points(matrix, raster.keypoints.astype(np.float64)),
    )
