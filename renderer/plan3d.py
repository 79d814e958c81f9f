"""Plan-time draws of 3D scenes: the camera and each mesh object's asset, pose and placement.

Each draw uses its own named stream (``camera``, ``objects/<layer>/<k>/asset`` and ``.../pose``),
as flat objects do, so adding a mesh layer leaves every other draw of a scene unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from renderer.assets import ASSETS
from renderer.mesh.camera import project
from renderer.mesh.sources import mesh_of
from renderer.randomizers.pose3d import sample_camera, sample_mesh_pose, sample_position
from renderer.rng import stream
from renderer.spec.objects import MeshPose, ObjectLayer
from renderer.spec.scene import SceneSpec

if TYPE_CHECKING:
    from renderer.plan import ObjectPlan, _Placer

PLACEMENT_TRIES = 30


def sample_camera_record(spec: SceneSpec, seed: int, index: int,
                         size: tuple[int, int]) -> dict[str, Any]:
    """The camera record of image ``index`` (drawn on the ``camera`` stream) for a frame of
    ``size`` (width, height) pixels."""
    width, height = size
    return sample_camera(spec.camera_or_default, rng=stream(seed, index, "camera"), width=width,
                         height=height)


def projected_box(corners_world: np.ndarray, camera: dict[str, Any]) -> tuple[float, ...] | None:
    """Pixel box (x0, y0, x1, y1) of world points, or None when one is behind the camera."""
    r, t = np.asarray(camera["R"], float), np.asarray(camera["t"], float)
    cam = corners_world @ r.T + t
    if (cam[:, 2] <= 1e-3).any():
        return None
    uv = project(np.asarray(camera["K"], float), cam)
    return (*uv.min(0).tolist(), *uv.max(0).tolist())


def plan_meshes(spec: SceneSpec, seed: int, index: int, pending: list[tuple[ObjectLayer, str, int]],
                camera: dict[str, Any], placer: _Placer,
                size: tuple[int, int]) -> tuple[list[ObjectPlan], int]:
    """Plans of the mesh objects (placed in turn, as flat ones) in a frame of ``size`` (width,
    height) pixels, and how many were dropped."""
    from renderer.plan import ObjectPlan

    width, height = size
    ctx = spec.context
    objects, dropped = [], 0
    for layer, name, k in pending:
        base = f"objects/{name}/{k}"
        asset = ASSETS.get("mesh").sample(layer.asset, rng=stream(seed, index, f"{base}/asset"),
                                          ctx=ctx)
        mesh = mesh_of(asset, ctx)
        params = layer.pose
        assert isinstance(params, MeshPose)
        rng = stream(seed, index, f"{base}/pose")
        dice = asset["source"] == "dice"
        pose = sample_mesh_pose(params, rng=rng, camera=camera, mesh=mesh, size=asset["size"],
                                width=width, height=height, dice=dice)
        for _ in range(PLACEMENT_TRIES):
            box = _box_of(pose, mesh.corners() * asset["size"], camera)
            if box is not None and placer.fits(box, layer):
                break
            position = sample_position(params, rng=rng, camera=camera, width=width, height=height)
            pose = _moved(pose, position, params)
        else:
            dropped += 1
            continue
        placer.add(box, layer)
        class_name = str(pose["face_up"]) if dice else asset["class_name"]
        objects.append(ObjectPlan(
            layer=name, instance=k, labeled=layer.labeled,
            class_name=(layer.class_name or class_name) if layer.labeled else None,
            asset={**asset, "class_name": class_name}, pose=pose,
            # a mesh's surface is its asset's material, and it is rendered, not pasted
            material={}, blend={}))
    return objects, dropped


def _box_of(pose: dict[str, Any], corners: np.ndarray, camera: dict[str, Any]
            ) -> tuple[float, ...] | None:
    world = corners @ np.asarray(pose["R"], float).T + np.asarray(pose["t"], float)
    return projected_box(world, camera)


def _moved(pose: dict[str, Any], position: np.ndarray, params: MeshPose) -> dict[str, Any]:
    """``pose`` at a new position (a resting object keeps its height above the ground)."""
    t = position.tolist()
    if params.rest_on == "ground":
        t[2] = pose["t"][2]
    return {**pose, "t": t}
