"""Directional light on objects: a shading ramp across each object and a soft cast shadow.

The light comes from ``azimuth`` (degrees, 0 = from +x, 90 = from +y, image coordinates) at
``elevation`` above the ground: the side of an object facing the light is brighter, and its
shadow falls on the opposite side, longer when the light is low.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from renderer.assets.base import AssetRaster

_SHADOW_LENGTH = 0.12  # shadow offset per unit cot(elevation), as a fraction of object size


def _direction(light: dict[str, Any]) -> tuple[float, float]:
    t = np.radians(light["azimuth"])
    return float(np.cos(t)), float(np.sin(t))


def shade(prem: np.ndarray, x0: int, y0: int, cx: float, cy: float, radius: float,
          light: dict[str, Any]) -> np.ndarray:
    """Multiply premultiplied colour by a linear ramp that brightens the side facing the light."""
    lx, ly = _direction(light)
    h, w = prem.shape[:2]
    k = light["intensity"] * np.cos(np.radians(light["elevation"])) / max(radius, 1.0)
    xs = (np.arange(w, dtype=np.float32) + (x0 - cx)) * np.float32(k * lx)
    ys = (np.arange(h, dtype=np.float32) + (y0 - cy)) * np.float32(k * ly)
    ramp = np.clip(1.0 + ys[:, None] + xs[None, :], 0.0, 2.0)
    return prem * ramp[..., None]


def apply_shadow(frame: np.ndarray, raster: AssetRaster, matrix: np.ndarray,
                 light: dict[str, Any], object_size: tuple[int, int]) -> None:
    """Darken ``frame`` (in place) under the object's soft shadow."""
    lx, ly = _direction(light)
    size = max(object_size)
    cot = 1.0 / np.tan(np.radians(max(light["elevation"], 5.0)))
    length = min(_SHADOW_LENGTH * size * cot, 0.6 * size)
    dx, dy = -lx * length, -ly * length
    blur = light["shadow_blur"]
    shifted = np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], np.float64) @ matrix
    w, h = raster.size
    corners = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], np.float64) @ shifted.T
    corners = corners[:, :2] / corners[:, 2:3]
    margin = int(np.ceil(3 * blur)) + 1
    height, width = frame.shape[:2]
    x0 = max(int(np.floor(corners[:, 0].min())) - margin, 0)
    y0 = max(int(np.floor(corners[:, 1].min())) - margin, 0)
    x1 = min(int(np.ceil(corners[:, 0].max())) + margin, width)
    y1 = min(int(np.ceil(corners[:, 1].max())) + margin, height)
    if x1 <= x0 or y1 <= y0:
        return
    local = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64) @ shifted
    alpha = cv2.warpPerspective(raster.alpha, local, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR)
    a = alpha.astype(np.float32) * np.float32(light["shadow_opacity"] / 255)
    if blur > 0:
        a = cv2.GaussianBlur(a, (0, 0), blur)
    roi = frame[y0:y1, x0:x1]
    roi[:] = np.clip(roi.astype(np.float32) * (1 - a[..., None]), 0, 255).round().astype(np.uint8)
