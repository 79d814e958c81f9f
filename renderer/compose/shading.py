"""Directional light on objects: a shading ramp across each object and a soft cast shadow.

The light comes from ``azimuth`` (degrees, 0 = from +x, 90 = from +y, image coordinates) at
``elevation`` above the ground: the side of an object facing the light is brighter, and its
shadow falls on the opposite side, longer when the light is low.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from renderer.filters import gaussian_blur

_SHADOW_LENGTH = 0.12  # shadow offset per unit cot(elevation), as a fraction of object size
# Wide blurs run on a grid coarsened by a power of two, keeping at least this sigma (px) there:
# a soft shadow has no detail to lose, and the blur costs 4-5x less (max error ~3% of full scale).
_MIN_COARSE_SIGMA = 1.25


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
    # one OpenCV multiply of same-type 3-channel arrays: ~4x numpy's broadcast over channels
    return cv2.multiply(prem, cv2.cvtColor(ramp, cv2.COLOR_GRAY2RGB))


def apply_shadow(frame: np.ndarray, alpha: np.ndarray, origin: tuple[int, int],
                 light: dict[str, Any]) -> None:
    """Darken ``frame`` (in place) under the soft shadow of an object.

    Args:
        frame: (H, W, 3) uint8 canvas.
        alpha: (h, w) uint8 coverage of the whole object, as warped onto the canvas grid.
        origin: canvas position (x0, y0) of ``alpha``'s top-left pixel.
        light: directional light record (azimuth, elevation in degrees; opacity; blur px).
    """
    lx, ly = _direction(light)
    h, w = alpha.shape
    size = max(h, w)
    cot = 1.0 / np.tan(np.radians(max(light["elevation"], 5.0)))
    length = min(_SHADOW_LENGTH * size * cot, 0.6 * size)
    # Whole-pixel offset: the shadow is blurred anyway, and reusing the object's own warped
    # alpha saves a second warp per object.
    x0 = origin[0] + round(-lx * length)
    y0 = origin[1] + round(-ly * length)
    blur = light["shadow_blur"]
    m = int(np.ceil(3 * blur)) + 1
    height, width = frame.shape[:2]
    cx0, cy0 = max(x0 - m, 0), max(y0 - m, 0)
    cx1, cy1 = min(x0 + w + m, width), min(y0 + h + m, height)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    # The part of the alpha inside the clipped region, zero-padded out to the region's sides.
    ax0, ay0 = max(cx0, x0), max(cy0, y0)
    ax1, ay1 = min(cx1, x0 + w), min(cy1, y0 + h)
    if ax1 <= ax0 or ay1 <= ay0:
        return
    a = cv2.copyMakeBorder(alpha[ay0 - y0:ay1 - y0, ax0 - x0:ax1 - x0],
                           ay0 - cy0, cy1 - ay1, ax0 - cx0, cx1 - ax1,
                           cv2.BORDER_CONSTANT, value=0)
    if blur > 0:
        a = _soft(a, blur)
    keep = cv2.LUT(a, _keep_table(round(light["shadow_opacity"], 4)))  # uint8, 255 = no shadow
    roi = frame[cy0:cy1, cx0:cx1]
    roi[:] = cv2.multiply(roi, cv2.cvtColor(keep, cv2.COLOR_GRAY2RGB), scale=1 / 255)


@lru_cache(maxsize=256)
def _keep_table(opacity: float) -> np.ndarray:
    """uint8 table: shadow coverage (0-255) -> light kept (255 = all), for ``opacity`` 0-1."""
    return np.clip(np.round(255 - np.arange(256) * opacity), 0, 255).astype(np.uint8)


def _soft(alpha: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of ``alpha`` (uint8) with ``sigma`` px, on a coarser grid when sigma is wide."""
    factor = 1
    while sigma / (2 * factor) >= _MIN_COARSE_SIGMA and min(alpha.shape) >= 8 * factor:
        factor *= 2
    if factor == 1:
        return gaussian_blur(alpha, sigma)
    h, w = alpha.shape
    small = cv2.resize(alpha, (-(-w // factor), -(-h // factor)), interpolation=cv2.INTER_AREA)
    small = gaussian_blur(small, sigma / factor)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
