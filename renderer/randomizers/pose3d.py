"""3D draws: the camera (intrinsics and pose) and 6-DoF object poses in the world frame
(z up, ground at z = 0; metres, rotation matrices object-to-world)."""

from __future__ import annotations

from typing import Any

import numpy as np

from renderer.mesh.camera import intrinsics, orbit_pose
from renderer.mesh.data import MeshData
from renderer.mesh.procedural import face_up
from renderer.spec.camera import Camera
from renderer.spec.objects import MeshPose


def _draw(param: Any, rng: np.random.Generator) -> float | None:
    return None if param is None else float(param.sample(rng))


def sample_camera(params: Camera, *, rng: np.random.Generator, width: int, height: int
                  ) -> dict[str, Any]:
    """Camera record: ``K`` (pixels), world-to-camera ``R``, ``t`` (metres) and the drawn values."""
    fov = float(params.fov.sample(rng))
    fx, fy, cx, cy = (_draw(p, rng) for p in (params.fx, params.fy, params.cx, params.cy))
    elevation = float(params.elevation.sample(rng))
    azimuth = float(params.azimuth.sample(rng))
    distance = float(params.distance.sample(rng))
    roll = float(params.roll.sample(rng))
    jitter = float(params.target_jitter.sample(rng))
    target = (*(rng.uniform(-1, 1, 2) * jitter).tolist(), 0.0)
    k = intrinsics(width, height, fov=fov, fx=fx, fy=fy, cx=cx, cy=cy)
    r, t = orbit_pose(elevation, azimuth, distance, roll, target)
    return {"K": k.tolist(), "R": r.tolist(), "t": t.tolist(), "elevation": elevation,
            "azimuth": azimuth, "distance": distance, "roll": roll, "target": list(target)}


def uniform_rotation(rng: np.random.Generator) -> np.ndarray:
    """A rotation uniform on SO(3) (normalised Gaussian quaternion)."""
    w, x, y, z = (q := rng.normal(size=4)) / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def _axis_rotation(axis: int, deg: float) -> np.ndarray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    i, j = [a for a in range(3) if a != axis]
    r = np.eye(3)
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


def _rotation(params: MeshPose, rng: np.random.Generator, towards_camera: np.ndarray) -> np.ndarray:
    if params.rotation == "uniform_so3":
        return uniform_rotation(rng)
    roll, pitch, yaw = (float(p.sample(rng)) for p in (params.roll, params.pitch, params.yaw))
    if params.rotation == "euler":
        return _axis_rotation(2, yaw) @ _axis_rotation(1, pitch) @ _axis_rotation(0, roll)
    # look_at: the object's +z towards the camera, turned by yaw about it
    z = towards_camera / np.linalg.norm(towards_camera)
    helper = np.array([0.0, 0.0, 1.0]) if abs(z[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    return np.column_stack([x, np.cross(z, x), z]) @ _axis_rotation(2, yaw)


def sample_position(params: MeshPose, *, rng: np.random.Generator, camera: dict[str, Any],
                    width: int, height: int) -> np.ndarray:
    """World point on the ray through canvas fraction (x, y): ``distance`` metres from the
    camera, or where the ray meets the ground."""
    k, r, t = (np.asarray(camera[n], float) for n in ("K", "R", "t"))
    u, v = float(params.x.sample(rng)) * width, float(params.y.sample(rng)) * height
    ray = r.T @ np.linalg.solve(k, [u, v, 1.0])
    ray /= np.linalg.norm(ray)
    centre = -r.T @ t
    distance = _draw(params.distance, rng)
    if distance is None:
        distance = -centre[2] / ray[2] if ray[2] < -1e-6 else float(np.linalg.norm(centre))
    return centre + distance * ray


def sample_mesh_pose(params: MeshPose, *, rng: np.random.Generator, camera: dict[str, Any],
                     mesh: MeshData, size: float, width: int, height: int,
                     dice: bool = False) -> dict[str, Any]:
    """Pose record: object-to-world ``R`` (3x3), ``t`` (metres) and, for dice, ``face_up``."""
    position = sample_position(params, rng=rng, camera=camera, width=width, height=height)
    centre = -np.asarray(camera["R"], float).T @ np.asarray(camera["t"], float)
    rotation = _rotation(params, rng, centre - position)
    if params.rest_on == "ground":
        # the stable face pointing most downward under the drawn rotation is the one it lands on
        down_normals = np.einsum("kji,j->ki", mesh.rest, [0.0, 0.0, -1.0])  # rest face normals
        lands = int(np.argmin((down_normals @ rotation.T)[:, 2]))
        rotation = _axis_rotation(2, float(rng.uniform(0, 360))) @ mesh.rest[lands]
        tilt = float(params.tilt.sample(rng))  # a constant 0 draws nothing: other poses unchanged
        if tilt > 0:
            lean = _axis_rotation(0, tilt)
            rotation = _axis_rotation(2, float(rng.uniform(0, 360))) @ lean @ rotation
        # height of the lowest hull vertex: one matrix-vector product with the rotation's z row
        lowest = float((mesh.hull @ rotation[2].astype(np.float32)).min()) * size
        position = np.array([position[0], position[1], -lowest])
    pose: dict[str, Any] = {"R": rotation.tolist(), "t": position.tolist()}
    if dice:
        pose["face_up"] = face_up(rotation)
    return pose
