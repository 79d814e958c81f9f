"""Pinhole camera geometry (OpenCV convention: x right, y down, z forward; pixel (i, j) covers
[i, i+1) x [j, j+1), so its centre is at (i + 0.5, j + 0.5)).

World frame: z up, the ground is the plane z = 0. A camera record (in the plan) holds ``K``
(3x3, pixels) and the world-to-camera ``R`` (3x3) and ``t`` (3, metres): x_cam = R x_world + t.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def intrinsics(width: int, height: int, *, fov: float | None = None, fx: float | None = None,
               fy: float | None = None, cx: float | None = None, cy: float | None = None
               ) -> np.ndarray:
    """3x3 K from a horizontal field of view (degrees) or focal lengths (pixels)."""
    if fx is None:
        fx = width / 2 / np.tan(np.radians(fov if fov is not None else 50.0) / 2)
    fy = fx if fy is None else fy
    cx = width / 2 if cx is None else cx
    cy = height / 2 if cy is None else cy
    return np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], float)


def orbit_pose(elevation: float, azimuth: float, distance: float, roll: float = 0.0,
               target: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    """World-to-camera (R, t) of a camera ``distance`` metres from ``target`` looking at it from
    ``elevation`` degrees above the ground and ``azimuth`` degrees about z (0 = from +x).

    The image's x axis stays horizontal (then ``roll`` turns it), which keeps the pose defined
    straight from above (elevation 90), where the azimuth turns the image instead.
    """
    el, az = np.radians(elevation), np.radians(azimuth)
    position = np.asarray(target, float) + distance * np.array(
        [np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    forward = np.asarray(target, float) - position
    forward /= np.linalg.norm(forward)
    right = np.array([-np.sin(az), np.cos(az), 0.0])
    down = np.cross(forward, right)
    c, s = np.cos(np.radians(roll)), np.sin(np.radians(roll))
    right, down = c * right + s * down, -s * right + c * down
    rotation = np.stack([right, down, forward])  # rows: camera axes in world coordinates
    return rotation, -rotation @ position


def camera_arrays(camera: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(K, R, t) of a camera record as float64 arrays."""
    return (np.asarray(camera["K"], float), np.asarray(camera["R"], float),
            np.asarray(camera["t"], float))


def project(k: np.ndarray, points_cam: np.ndarray) -> np.ndarray:
    """(n, 2) pixel coordinates of camera-frame points (continuous: centres at +0.5)."""
    p = points_cam @ k.T
    return p[:, :2] / p[:, 2:3]


def pixel_rays(k: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """(n, 3) float32 camera-frame directions with z = 1 through continuous pixel positions, so a
    hit's ray parameter is its depth."""
    k_inv = np.linalg.inv(k)
    d = np.empty((len(xs), 3), np.float32)
    d[:, 0] = k_inv[0, 0] * xs + k_inv[0, 1] * ys + k_inv[0, 2]
    d[:, 1] = k_inv[1, 1] * ys + k_inv[1, 2]
    d[:, 2] = 1.0
    return d
