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
# Edge pixels average their centre ray with two more on the other diagonal: three samples (four
# coverage levels) at half the rays of a 2x2 grid.
_SUB = ((0.25, -0.25), (-0.25, 0.25))
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

    def sphere_hit(self, origins: np.ndarray, direction: np.ndarray) -> np.ndarray:
        """(n,) bool: rays from ``origins`` along one unit ``direction`` that may meet the
        object (they pass its bounding sphere ahead of their origin)."""
        r = np.float32(self.mesh.radius * self.scale)
        oc = origins - self.trans.astype(np.float32)
        along = oc @ direction.astype(np.float32)
        across = np.einsum("ij,ij->i", oc, oc) - along * along
        return (across <= r * r) & (along < r)


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


def _footprint(p: Posed, k: np.ndarray, width: int, height: int
               ) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """The object's projected box (x0, y0, x1, y1) and, in it, the pixels whose centre rays can
    meet it: inside the projected convex hull, grown by a pixel so the test stays conservative."""
    hull = (p.mesh.hull * p.scale) @ p.rot.T + p.trans
    if (hull[:, 2] <= NEAR).any():
        return None
    uv = project(k, hull)
    x0, y0 = np.floor(uv.min(0)).astype(int)
    x1, y1 = np.ceil(uv.max(0)).astype(int)
    # the part far outside the canvas only matters for the amodal area: cap its cost
    x0, y0 = max(x0, -width), max(y0, -height)
    x1, y1 = min(x1, 2 * width), min(y1, 2 * height)
    if x1 <= max(x0, 0) or y1 <= max(y0, 0) or x0 >= width or y0 >= height:
        return None
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    # OpenCV puts pixel centres on integers; ours are at +0.5
    outline = cv2.convexHull(((uv - (x0 + 0.5, y0 + 0.5)) * 16).round().astype(np.int32))
    cv2.fillConvexPoly(mask, outline, 1, cv2.LINE_8, 4)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    return (x0, y0, x1, y1), np.flatnonzero(mask)


def _primary(p: Posed, k: np.ndarray, box: tuple[int, int, int, int], candidates: np.ndarray
             ) -> _Cast:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    ys, xs = np.divmod(candidates, w)
    dirs = pixel_rays(k, xs + (x0 + 0.5), ys + (y0 + 0.5))
    o, d = p.to_object(np.zeros((1, 3)), dirs)
    hits = cast(p.mesh, np.broadcast_to(o, d.shape), d)
    return _Cast(x0, y0, w, h, candidates[hits.hit], hits)


def _unit(v: np.ndarray) -> np.ndarray:
    """Rows of ``v`` scaled to unit length, in place (float32)."""
    v *= (1 / np.sqrt(np.maximum(np.einsum("ij,ij->i", v, v), 1e-18)))[:, None]
    return v


def _surface(p: Posed, hits: Hits, dirs: np.ndarray, k: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Camera-frame points, unit normals, mesh-frame points and pixel footprints of hits."""
    pts = dirs * hits.t[:, None]
    rot = p.rot.astype(np.float32)
    corner_normals = p.mesh.normals[p.mesh.faces[hits.face]]  # (n, 3 vertices, 3)
    nrm = _unit(np.einsum("nvj,nv->nj", corner_normals, hits.bary) @ rot.T)
    # shading normals may face away at silhouettes: keep them on the camera's side
    facing = np.einsum("ij,ij->i", nrm, dirs)
    away = np.flatnonzero(facing > 0)
    if len(away):
        d = dirs[away]
        nrm[away] -= (facing[away] / np.einsum("ij,ij->i", d, d))[:, None] * d
        nrm[away] = _unit(nrm[away])
    local = (pts - p.trans.astype(np.float32)) @ (rot / np.float32(p.scale))
    pixel = hits.t * np.float32(1 / (k[0, 0] * p.scale))
    return pts, nrm, local, pixel


def _colour(p: Posed, hits: Hits, dirs: np.ndarray, k: np.ndarray, light_cam: np.ndarray,
            strength: float, shadows: bool, scene: list[Posed]) -> tuple[np.ndarray, np.ndarray]:
    """uint8 colours and camera-frame normals of one object's hits."""
    pts, nrm, local, pixel = _surface(p, hits, dirs, k)
    base = base_color(p.plan.asset, p.mesh, local, hits.face, hits.bary, pixel)
    view = _unit(-dirs)
    lit = np.ones(len(pts), np.float32)
    if shadows:
        # points facing away from the light are dark already, and a convex body shadows only
        # its own far side: neither needs shadow rays
        facing = np.flatnonzero(nrm @ light_cam > 0)
        others = [q for q in scene if q is not p or not p.mesh.convex]
        origins = pts[facing] + nrm[facing] * np.float32(_SHADOW_BIAS * p.scale + 1e-6)
        lit[facing] = 1 - occlusion(origins, light_cam, others)
    return shade(base, nrm, view, light_cam, strength, lit,
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
        found = _footprint(p, k, width, height)
        if found is not None:
            casts[p.object_id] = _primary(p, k, *found)
    drawn = [p for p in scene if p.object_id in casts]

    depth = np.zeros((height, width), np.float32)
    normals = np.zeros((height, width, 3), np.float32)
    if not drawn:
        return MeshRender(depth, normals, {})
    # all full-frame work happens in the union of the objects' boxes (grown by the edge ring)
    ux0 = max(min(casts[p.object_id].x0 for p in drawn) - 1, 0)
    uy0 = max(min(casts[p.object_id].y0 for p in drawn) - 1, 0)
    ux1 = min(max(casts[p.object_id].x0 + casts[p.object_id].w for p in drawn) + 1, width)
    uy1 = min(max(casts[p.object_id].y0 + casts[p.object_id].h for p in drawn) + 1, height)
    zbuf = np.full((uy1 - uy0, ux1 - ux0), np.inf, np.float32)
    pixels = {}
    for p in drawn:
        c = casts[p.object_id]
        ys, xs = np.divmod(c.pix, c.w)
        xs, ys = xs + c.x0, ys + c.y0
        inside = np.flatnonzero((xs >= 0) & (xs < width) & (ys >= 0) & (ys < height))
        xs, ys = xs[inside], ys[inside]
        pixels[p.object_id] = (xs, ys, inside)
        t = c.hits.t[inside]
        nearer = t < zbuf[ys - uy0, xs - ux0]
        zbuf[ys[nearer] - uy0, xs[nearer] - ux0] = t[nearer]
        id_map[ys[nearer], xs[nearer]] = p.object_id

    if shadows:
        ground_shadow(frame, id_map, drawn, k, r_cw, camera, light_cam, lighting["directional"])
    background = frame[uy0:uy1, ux0:ux1].copy()
    for p in drawn:
        c = casts[p.object_id]
        xs, ys, inside = pixels[p.object_id]
        own = np.flatnonzero(id_map[ys, xs] == p.object_id)
        xs, ys, rows = xs[own], ys[own], inside[own]
        sel = Hits(np.ones(len(rows), bool), c.hits.t[rows], c.hits.face[rows], c.hits.bary[rows])
        dirs = pixel_rays(k, xs + 0.5, ys + 0.5)
        rgb, nrm = _colour(p, sel, dirs, k, light_cam, strength, shadows, drawn)
        frame[ys, xs] = rgb
        normals[ys, xs] = nrm

    region = (ux0, uy0, ux1, uy1)
    _antialias(frame, background, id_map, region, drawn, casts, k, light_cam, strength, shadows)
    geometry = {p.object_id: _geometry(p, casts[p.object_id], k, zbuf, region, width, height)
                for p in drawn}
    zbuf[~np.isfinite(zbuf)] = 0
    depth[uy0:uy1, ux0:ux1] = zbuf
    return MeshRender(depth, normals, geometry)


def _edges(id_map: np.ndarray, mesh_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(ys, xs) of pixels on an ownership edge that touches a mesh (both sides of it)."""
    lut = np.zeros(max(int(id_map.max()), *mesh_ids) + 1, bool)
    lut[mesh_ids] = True
    is_mesh = lut[id_map]
    edge = np.zeros(id_map.shape, bool)
    dx = (id_map[:, 1:] != id_map[:, :-1]) & (is_mesh[:, 1:] | is_mesh[:, :-1])
    dy = (id_map[1:] != id_map[:-1]) & (is_mesh[1:] | is_mesh[:-1])
    edge[:, 1:] |= dx
    edge[:, :-1] |= dx
    edge[1:] |= dy
    edge[:-1] |= dy
    return np.nonzero(edge)


def _antialias(frame: np.ndarray, background: np.ndarray, id_map: np.ndarray,
               region: tuple[int, int, int, int], drawn: list[Posed], casts: dict[int, _Cast],
               k: np.ndarray, light_cam: np.ndarray, strength: float, shadows: bool) -> None:
    """Replace colours at ownership edges touching a mesh by the mean of sub-pixel rays.

    ``background`` is the frame in ``region`` (x0, y0, x1, y1) before the meshes were drawn.
    """
    ux0, uy0, ux1, uy1 = region
    ys, xs = _edges(id_map[uy0:uy1, ux0:ux1], [p.object_id for p in drawn])
    if not len(xs):
        return
    xs, ys = xs + ux0, ys + uy0
    n, m = len(xs), len(_SUB)
    # all sub-pixel rays of all edge pixels at once: row s * n + i is sub-sample s of pixel i
    sx = np.concatenate([xs + 0.5 + ox for ox, _ in _SUB])
    sy = np.concatenate([ys + 0.5 + oy for _, oy in _SUB])
    px, py = np.tile(xs, m), np.tile(ys, m)
    dirs = pixel_rays(k, sx, sy)
    best = np.full(n * m, np.inf, np.float32)
    owner = np.full(n * m, -1, np.int32)
    face = np.zeros(n * m, np.int32)
    bary = np.zeros((n * m, 3), np.float32)
    for j, p in enumerate(drawn):
        c = casts[p.object_id]
        near = np.flatnonzero((px >= c.x0) & (px < c.x0 + c.w) & (py >= c.y0) & (py < c.y0 + c.h))
        if not len(near):
            continue
        o, d = p.to_object(np.zeros((1, 3)), dirs[near])
        hits = cast(p.mesh, np.broadcast_to(o, d.shape), d)
        idx = near[hits.hit]
        closer = hits.t < best[idx]
        idx = idx[closer]
        best[idx], owner[idx] = hits.t[closer], j
        face[idx], bary[idx] = hits.face[closer], hits.bary[closer]
    # a sub-sample owned by its pixel's owner takes the pixel's colour: only sub-samples that
    # see another object than the pixel centre does need shading
    index_of = np.full(max(int(id_map.max()), *(p.object_id for p in drawn)) + 1, -1, np.int32)
    index_of[[p.object_id for p in drawn]] = np.arange(len(drawn), dtype=np.int32)
    centre = np.tile(index_of[id_map[ys, xs]], m)
    colour = np.where((owner == centre)[:, None] & (owner >= 0)[:, None],
                      np.tile(frame[ys, xs], (m, 1)), background[py - uy0, px - ux0]
                      ).astype(np.float32)
    for j, p in enumerate(drawn):
        idx = np.flatnonzero((owner == j) & (centre != j))
        if len(idx):
            sub = Hits(np.ones(len(idx), bool), best[idx], face[idx], bary[idx])
            colour[idx] = _colour(p, sub, dirs[idx], k, light_cam, strength, shadows, drawn)[0]
    mean = (colour.reshape(m, n, 3).sum(0) + frame[ys, xs]) / (m + 1)
    frame[ys, xs] = np.clip(mean + 0.5, 0, 255).astype(np.uint8)


def _geometry(p: Posed, c: _Cast, k: np.ndarray, zbuf: np.ndarray,
              region: tuple[int, int, int, int], width: int, height: int) -> PastedObject:
    """Amodal mask and box, keypoints (centroid, then the 8 box corners) with visibility, pose."""
    ux0, uy0, ux1, uy1 = region
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
            inside = ux0 <= x < ux1 and uy0 <= y < uy1
            front = zbuf[int(y) - uy0, int(x) - ux0] if inside else np.inf
            visibility[i] = 2 if z <= front * (1 + 1e-4) else 1
    pose = {"R": p.rot.tolist(), "t": p.trans.tolist(), "scale": p.scale}
    if "face_up" in p.plan.pose:
        pose["face_up"] = p.plan.pose["face_up"]
    return PastedObject(
        amodal=np.ascontiguousarray(amodal), origin=(vx0, vy0), amodal_area=int(len(c.pix)),
        amodal_box=(float(bx + c.x0), float(by + c.y0), float(bx + bw + c.x0), float(by + bh + c.y0)),
        keypoints=uv, keypoint_visibility=visibility, pose=pose)
