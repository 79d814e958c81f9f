"""Object geometry: the homography from an asset's raster frame into the canvas.

Out-of-plane yaw and pitch rotate the object's plane in 3-D and project it with a pinhole camera
at a distance of ``_CAMERA_DISTANCE`` object sizes, which gives a mild, believable perspective.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_CAMERA_DISTANCE = 2.5


def _tilt(yaw_deg: float, pitch_deg: float, distance: float) -> np.ndarray:
    """Homography of a plane rotated by yaw (about y) then pitch (about x), seen from ``distance``."""
    a, b = math.radians(yaw_deg), math.radians(pitch_deg)
    ca, sa, cb, sb = math.cos(a), math.sin(a), math.cos(b), math.sin(b)
    # r = rx(pitch) @ ry(yaw); a plane point (X, Y, 0) goes to X r1 + Y r2 + (0, 0, d), projected
    # with focal length d
    return np.array([[ca, 0.0, 0.0], [sb * sa, cb, 0.0], [-cb * sa / distance, sb / distance, 1.0]])


def object_homography(raster_size: tuple[int, int], pose: dict[str, Any]) -> np.ndarray:
    """3x3 map from raster pixel coordinates to canvas pixel coordinates.

    The product translate(x, y) @ tilt @ rotate @ scale @ translate(-w/2, -h/2), written out:
    it is built about 15 times per image, and scalar arithmetic is several times faster than
    numpy's small-matrix calls.

    Args:
        raster_size: (width, height) of the asset raster in pixels.
        pose: pose record: ``x``, ``y`` (centre, px), ``size`` (longest side, px), ``aspect``
            (width gain), ``rotation``/``yaw``/``pitch`` (degrees), ``flip_h``/``flip_v``.
    """
    w, h = raster_size
    s = pose["size"] / max(w, h)
    sx = s * pose["aspect"] * (-1.0 if pose["flip_h"] else 1.0)
    sy = s * (-1.0 if pose["flip_v"] else 1.0)
    t = math.radians(pose["rotation"])
    c, n = math.cos(t), math.sin(t)
    a00, a01, a10, a11 = c * sx, -n * sy, n * sx, c * sy
    matrix = np.array([[a00, a01, -(a00 * w + a01 * h) / 2],
                       [a10, a11, -(a10 * w + a11 * h) / 2],
                       [0.0, 0.0, 1.0]])
    if pose["yaw"] or pose["pitch"]:
        matrix = _tilt(pose["yaw"], pose["pitch"], _CAMERA_DISTANCE * pose["size"]) @ matrix
    matrix[0] += pose["x"] * matrix[2]  # translate(x, y) @ matrix
    matrix[1] += pose["y"] * matrix[2]
    return matrix


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 3x3 homography to (n, 2) points."""
    if len(points) == 0:
        return np.zeros((0, 2), np.float64)
    mapped = points @ matrix[:2, :2].T + matrix[:2, 2]
    return mapped / (points @ matrix[2, :2] + matrix[2, 2])[:, None]


def footprint(matrix: np.ndarray, raster_size: tuple[int, int]) -> tuple[float, float, float, float]:
    """Canvas-space bounding box (x0, y0, x1, y1) of the raster's four corners."""
    w, h = raster_size
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = matrix.tolist()
    xs, ys = [], []
    for x, y in ((0.0, 0.0), (w, 0.0), (w, h), (0.0, h)):
        d = m20 * x + m21 * y + m22
        xs.append((m00 * x + m01 * y + m02) / d)
        ys.append((m10 * x + m11 * y + m12) / d)
    return min(xs), min(ys), max(xs), max(ys)
