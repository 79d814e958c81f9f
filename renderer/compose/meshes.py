"""Draw mesh objects into the frame: one z-buffer, Embree rays only inside each object's
projected box, shadow rays towards the light, soft ground shadows, supersampled edges.

Rendering is in the camera frame. Each pixel's owner is the nearest hit of its centre ray (the
instance map and every mask come from that ownership); colours at ownership edges average
2x2 sub-pixel rays, which anti-aliases silhouettes without touching the labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from renderer.compose.paste import PastedObject
from renderer.compose.shadows3d import ground_shadow, occlusion
from renderer.mesh.camera import camera_arrays, pixel_rays, project
from renderer.mesh.data import MeshData
from renderer.mesh.material import base_color
from renderer.mesh.raycast import Hits, cast
from renderer.mesh.shading import key_light, shade
from renderer.mesh.sources import mesh_of
from renderer.plan import ObjectPlan
from renderer.resources import SceneContext

NEAR = 1e-3  # metres: objects closer to the camera than this are not drawn
_SUB = ((-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25))
_SHADOW_BIAS = 1e-3  # fraction of the object size a shadow ray starts above its surface


@dataclass(frozen=True)
class Posed:
    """A mesh object in the camera frame: x_cam = rot @ (scale * x_mesh) + trans."""

    object_id: int
    plan: ObjectPlan
    mesh: MeshData
    rot: np.ndarray
    trans: np.ndarray
    scale: float

    def to_object(self, origins: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Camera-frame rays in mesh units (same ray parameter)."""
        inv = self.rot.T / self.scale
        return ((origins - self.trans) @ inv.T).astype(np.float32), (directions @ inv.T).astype(np.float32)

    def sphere_hit(self, origins: np.ndarray, directions: np.ndarray) -> np.ndarray:
        """(n,) bool: rays that may meet the object (they cross its bounding sphere ahead)."""
        r = self.mesh.radius * self.scale
        oc = origins - self.trans
        d2 = (directions * directions).sum(1)
        b = (oc * directions).sum(1)
        c = (oc * oc).sum(1) - r * r
        disc = b * b - d2 * c
        return (disc >= 0) & ((-b + np.sqrt(np.maximum(disc, 0))) > 0)


@dataclass
class _Cast:
    """Primary hits of one object inside its projected box."""

    x0: int
    y0: int
    w: int
    h: int
    pix: np.ndarray  # (m,) flat indices into the box of the hit pixels
    hits: Hits


@dataclass(frozen=True)
class MeshRender:
    """What drawing the meshes adds to a frame: depth (H, W) float32 metres (0 = no mesh),
    normals (H, W, 3) float32 camera-frame unit normals, and per object its geometry."""

    depth: np.ndarray
    normals: np.ndarray
    geometry: dict[int, PastedObject]


def pose_objects(objects: list[tuple[int, ObjectPlan]], camera: dict[str, Any],
                 ctx: SceneContext) -> list[Posed]:
    """Camera-frame poses of the mesh objects of a plan."""
    _, r_cw, t_cw = camera_arrays(camera)
    posed = []
    for object_id, obj in objects:
        r_wo = np.asarray(obj.pose["R"], float)
        t_wo = np.asarray(obj.pose["t"], float)
        posed.append(Posed(object_id, obj, mesh_of(obj.asset, ctx), r_cw @ r_wo,
                           r_cw @ t_wo + t_cw, float(obj.asset["size"])))
    return posed


def _box(p: Posed, k: np.ndarray, width: int, height: int) -> tuple[int, int, int, int] | None:
    corners = (p.mesh.corners() * p.scale) @ p.rot.T + p.trans
    if (corners[:, 2] <= NEAR).any():
        return None
    uv = project(k, corners)
    x0, y0 = np.floor(uv.min(0)).astype(int)
    x1, y1 = np.ceil(uv.max(0)).astype(int)
    # the part far outside the canvas only matters for the amodal area: cap its cost
    x0, y0 = max(x0, -width), max(y0, -height)
    x1, y1 = min(x1, 2 * width), min(y1, 2 * height)
    if x1 <= max(x0, 0) or y1 <= max(y0, 0) or x0 >= width or y0 >= height:
        return None
    return x0, y0, x1, y1


def _primary(p: Posed, k: np.ndarray, box: tuple[int, int, int, int]) -> _Cast:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    ys, xs = np.divmod(np.arange(w * h), w)
    dirs = pixel_rays(k, xs + (x0 + 0.5), ys + (y0 + 0.5))
    o, d = p.to_object(np.zeros((1, 3)), dirs)
    hits = cast(p.mesh, np.broadcast_to(o, d.shape), d)
    return _Cast(x0, y0, w, h, np.flatnonzero(hits.hit), hits)


def _surface(p: Posed, hits: Hits, dirs: np.ndarray, k: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Camera-frame points, unit normals, mesh-frame points and pixel footprints of hits."""
    pts = dirs * hits.t[:, None]
    nrm_mesh = (p.mesh.normals[p.mesh.faces[hits.face]] * hits.bary[:, :, None]).sum(1)
    nrm = nrm_mesh @ p.rot.T.astype(np.float32)
    nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-9)
    # shading normals may face away at silhouettes: keep them on the camera's side
    facing = (nrm * dirs).sum(1)
    nrm -= np.maximum(facing, 0)[:, None] * dirs / (dirs * dirs).sum(1, keepdims=True)
    nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-9)
    local = ((pts - p.trans) @ p.rot).astype(np.float32) / np.float32(p.scale)
    pixel = (hits.t / np.float32(k[0, 0] * p.scale)).astype(np.float32)
    return pts.astype(np.float32), nrm.astype(np.float32), local, pixel


def _colour(p: Posed, hits: Hits, dirs: np.ndarray, k: np.ndarray, light_cam: np.ndarray,
            strength: float, shadows: bool, scene: list[Posed]) -> tuple[np.ndarray, np.ndarray]:
    """uint8 colours and camera-frame normals of one object's hits."""
    pts, nrm, local, pixel = _surface(p, hits, dirs, k)
    base = base_color(p.plan.asset, p.mesh, local, hits.face, hits.bary, pixel)
    view = -dirs / np.linalg.norm(dirs, axis=1, keepdims=True)
    if shadows:
        origins = pts + nrm * np.float32(_SHADOW_BIAS * p.scale + 1e-6)
        lit = 1 - occlusion(origins, light_cam, scene)
    else:
        lit = np.ones(len(pts), np.float32)
    return shade(base, nrm, view.astype(np.float32), light_cam, strength, lit,
                 p.plan.asset["material"]), nrm


def render_meshes(frame: np.ndarray, id_map: np.ndarray, objects: list[tuple[int, ObjectPlan]],
                  camera: dict[str, Any], lighting: dict[str, Any], ctx: SceneContext
                  ) -> MeshRender:
    """Draw mesh objects into ``frame`` (H, W, 3 uint8) and ``id_map`` (H, W uint16), in place."""
    height, width = id_map.shape
    k, r_cw, _ = camera_arrays(camera)
    light_world, strength, shadows = key_light(lighting)
    light_cam = (r_cw @ light_world).astype(np.float32)
    scene = pose_objects(objects, camera, ctx)
    casts: dict[int, _Cast] = {}
    for p in scene:
        box = _box(p, k, width, height)
        if box is not None:
            casts[p.object_id] = _primary(p, k, box)
    drawn = [p for p in scene if p.object_id in casts]

    depth = np.full((height, width), np.inf, np.float32)
    for p in drawn:
        c = casts[p.object_id]
        ys, xs = np.divmod(c.pix, c.w)
        xs, ys = xs + c.x0, ys + c.y0
        inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
        xs, ys, t = xs[inside], ys[inside], c.hits.t[inside]
        nearer = t < depth[ys, xs]
        depth[ys[nearer], xs[nearer]] = t[nearer]
        id_map[ys[nearer], xs[nearer]] = p.object_id

    if shadows and drawn:
        ground_shadow(frame, id_map, drawn, k, r_cw, camera, light_cam, lighting["directional"])
    background = frame.copy()
    normals = np.zeros((height, width, 3), np.float32)
    for p in drawn:
        c = casts[p.object_id]
        ys, xs = np.divmod(c.pix, c.w)
        xs, ys = xs + c.x0, ys + c.y0
        inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
        own = inside.copy()
        own[inside] = id_map[ys[inside], xs[inside]] == p.object_id
        sel = Hits(np.ones(int(own.sum()), bool), c.hits.t[own], c.hits.face[own], c.hits.bary[own])
        dirs = pixel_rays(k, xs[own] + 0.5, ys[own] + 0.5)
        rgb, nrm = _colour(p, sel, dirs, k, light_cam, strength, shadows, drawn)
        frame[ys[own], xs[own]] = rgb
        normals[ys[own], xs[own]] = nrm

    _antialias(frame, background, id_map, drawn, casts, k, light_cam, strength, shadows)
    geometry = {p.object_id: _geometry(p, casts[p.object_id], k, depth, width, height)
                for p in drawn}
    depth[~np.isfinite(depth)] = 0
    return MeshRender(depth, normals, geometry)


def _antialias(frame: np.ndarray, background: np.ndarray, id_map: np.ndarray, drawn: list[Posed],
               casts: dict[int, _Cast], k: np.ndarray, light_cam: np.ndarray, strength: float,
               shadows: bool) -> None:
    """Replace colours at ownership edges touching a mesh by the mean of 2x2 sub-pixel rays."""
    if not drawn:
        return
    mesh_ids = np.zeros(int(id_map.max()) + 1, bool)
    mesh_ids[[p.object_id for p in drawn]] = True
    is_mesh = mesh_ids[id_map]
    edge = np.zeros(id_map.shape, np.uint8)
    dx = (id_map[:, 1:] != id_map[:, :-1]) & (is_mesh[:, 1:] | is_mesh[:, :-1])
    dy = (id_map[1:] != id_map[:-1]) & (is_mesh[1:] | is_mesh[:-1])
    edge[:, 1:] |= dx
    edge[:, :-1] |= dx
    edge[1:] |= dy
    edge[:-1] |= dy
    ys, xs = np.nonzero(edge)
    if not len(xs):
        return
    total = np.zeros((len(xs), 3), np.float32)
    for ox, oy in _SUB:
        sx, sy = xs + 0.5 + ox, ys + 0.5 + oy
        dirs = pixel_rays(k, sx, sy)
        best = np.full(len(xs), np.inf, np.float32)
        colour = background[ys, xs].astype(np.float32)
        for p in drawn:
            c = casts[p.object_id]
            near = np.flatnonzero((xs >= c.x0) & (xs < c.x0 + c.w) & (ys >= c.y0) & (ys < c.y0 + c.h))
            if not len(near):
                continue
            o, d = p.to_object(np.zeros((1, 3)), dirs[near])
            hits = cast(p.mesh, np.broadcast_to(o, d.shape), d)
            idx = near[hits.hit]
            closer = hits.t < best[idx]
            if not closer.any():
                continue
            idx = idx[closer]
            best[idx] = hits.t[closer]
            sub = Hits(np.ones(len(idx), bool), hits.t[closer], hits.face[closer], hits.bary[closer])
            colour[idx] = _colour(p, sub, dirs[idx], k, light_cam, strength, shadows, drawn)[0]
        total += colour
    frame[ys, xs] = np.clip(total / len(_SUB) + 0.5, 0, 255).astype(np.uint8)


def _geometry(p: Posed, c: _Cast, k: np.ndarray, depth: np.ndarray, width: int, height: int
              ) -> PastedObject:
    """Amodal mask and box, keypoints (centroid, then the 8 box corners) with visibility, pose."""
    whole = np.zeros(c.w * c.h, bool)
    whole[c.pix] = True
    whole = whole.reshape(c.h, c.w)
    bx, by, bw, bh = cv2.boundingRect(whole.view(np.uint8))
    vx0, vy0 = max(c.x0, 0), max(c.y0, 0)
    vx1, vy1 = min(c.x0 + c.w, width), min(c.y0 + c.h, height)
    amodal = whole[vy0 - c.y0:vy1 - c.y0, vx0 - c.x0:vx1 - c.x0]
    points = np.vstack([np.zeros((1, 3)), p.mesh.corners()]) * p.scale @ p.rot.T + p.trans
    uv = project(k, points)
    visibility = np.zeros(len(points), np.int8)
    for i, ((x, y), z) in enumerate(zip(uv, points[:, 2], strict=True)):
        if 0 <= x < width and 0 <= y < height:
            front = depth[int(y), int(x)]
            visibility[i] = 2 if z <= front * (1 + 1e-4) else 1
    pose = {"R": p.rot.tolist(), "t": p.trans.tolist(), "scale": p.scale}
    if "face_up" in p.plan.pose:
        pose["face_up"] = p.plan.pose["face_up"]
    return PastedObject(
        amodal=np.ascontiguousarray(amodal), origin=(vx0, vy0), amodal_area=int(len(c.pix)),
        amodal_box=(float(bx + c.x0), float(by + c.y0), float(bx + bw + c.x0), float(by + bh + c.y0)),
        keypoints=uv, keypoint_visibility=visibility, pose=pose)
