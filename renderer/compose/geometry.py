"""Object geometry: the homography from an asset's raster frame into the canvas.

Out-of-plane yaw and pitch rotate the object's plane in 3-D and project it with a pinhole camera
at a distance of ``_CAMERA_DISTANCE`` object sizes, which gives a mild, believable perspective.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_CAMERA_DISTANCE = 2.5


def _translate(tx: float, ty: float) -> np.ndarray:
    return np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]], np.float64)


def _tilt(yaw_deg: float, pitch_deg: float, distance: float) -> np.ndarray:
    """Homography of a plane rotated by yaw (about y) then pitch (about x), seen from ``distance``."""
    a, b = np.radians(yaw_deg), np.radians(pitch_deg)
    ry = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    r = rx @ ry
    # Plane point (X, Y, 0) -> (X r1 + Y r2) + (0, 0, d); project with focal length d.
    return np.array([[r[0, 0], r[0, 1], 0], [r[1, 0], r[1, 1], 0],
                     [r[2, 0] / distance, r[2, 1] / distance, 1]], np.float64)


def object_homography(raster_size: tuple[int, int], pose: dict[str, Any]) -> np.ndarray:
    """3x3 map from raster pixel coordinates to canvas pixel coordinates.

    Args:
        raster_size: (width, height) of the asset raster in pixels.
        pose: pose record: ``x``, ``y`` (centre, px), ``size`` (longest side, px), ``aspect``
            (width gain), ``rotation``/``yaw``/``pitch`` (degrees), ``flip_h``/``flip_v``.
    """
    w, h = raster_size
    s = pose["size"] / max(w, h)
    scale = np.diag([s * pose["aspect"] * (-1 if pose["flip_h"] else 1),
                     s * (-1 if pose["flip_v"] else 1), 1.0])
    t = np.radians(pose["rotation"])
    rotate = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    tilt = np.eye(3)
    if pose["yaw"] or pose["pitch"]:
        tilt = _tilt(pose["yaw"], pose["pitch"], _CAMERA_DISTANCE * pose["size"])
    return _translate(pose["x"], pose["y"]) @ tilt @ rotate @ scale @ _translate(-w / 2, -h / 2)


def transform_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 3x3 homography to (n, 2) points."""
    if len(points) == 0:
        return np.zeros((0, 2), np.float64)
    homogeneous = np.hstack([points, np.ones((len(points), 1))]) @ matrix.T
    return homogeneous[:, :2] / homogeneous[:, 2:3]


def footprint(matrix: np.ndarray, raster_size: tuple[int, int]) -> tuple[float, float, float, float]:
    """Canvas-space bounding box (x0, y0, x1, y1) of the raster's four corners."""
    w, h = raster_size
    corners = transform_points(matrix, np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64))
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)
