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

from renderer.compose.mesh_edges import antialias
from renderer.compose.mesh_surface import Posed, PrimaryHits, shade_hits
from renderer.compose.paste import PastedObject
from renderer.compose.shadows3d import ground_shadow
from renderer.mesh.camera import camera_arrays, pixel_rays, project
from renderer.mesh.raycast import Hits, cast
from renderer.mesh.shading import key_light
from renderer.mesh.sources import mesh_of
from renderer.plan import ObjectPlan
from renderer.resources import SceneContext

NEAR = 1e-3  # metres: objects closer to the camera than this are not drawn


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
    meet it: inside the projected hull of its outline points, grown by their slack and a pixel
    so the test stays conservative."""
    points, slack = p.mesh.outline_points
    cam = (points * np.float32(p.scale)) @ p.rot.T.astype(np.float32) + p.trans.astype(np.float32)
    slack *= p.scale
    if (cam[:, 2] <= NEAR + slack).any():
        return None
    uv = project(k, cam)
    # a point moved by ``slack`` moves in the image by at most slack * f / z * (1 + |x/z|, |y/z|)
    spread = 1 + float(np.abs(cam[:, :2] / cam[:, 2:3]).max())
    grow = int(np.ceil(slack * max(k[0, 0], k[1, 1]) * spread / (cam[:, 2].min() - slack))) + 1
    x0, y0 = np.floor(uv.min(0)).astype(int) - grow
    x1, y1 = np.ceil(uv.max(0)).astype(int) + grow
    # the part far outside the canvas only matters for the amodal area: cap its cost
    x0, y0 = max(x0, -width), max(y0, -height)
    x1, y1 = min(x1, 2 * width), min(y1, 2 * height)
    if x1 <= max(x0, 0) or y1 <= max(y0, 0) or x0 >= width or y0 >= height:
        return None
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    # OpenCV puts pixel centres on integers; ours are at +0.5
    outline = cv2.convexHull(((uv - (x0 + 0.5, y0 + 0.5)) * 16).round().astype(np.int32))
    cv2.fillConvexPoly(mask, outline, 1, cv2.LINE_8, 4)
    mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
    return (x0, y0, x1, y1), np.flatnonzero(mask)


def _primary(p: Posed, k: np.ndarray, box: tuple[int, int, int, int], candidates: np.ndarray
             ) -> PrimaryHits:
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    ys, xs = np.divmod(candidates, w)
    dirs = pixel_rays(k, xs + (x0 + 0.5), ys + (y0 + 0.5))
    o, d = p.to_object(np.zeros((1, 3)), dirs)
    hits = cast(p.mesh, np.broadcast_to(o, d.shape), d)
    return PrimaryHits(x0, y0, w, h, candidates[hits.hit], hits)


def render_meshes(frame: np.ndarray, id_map: np.ndarray, objects: list[tuple[int, ObjectPlan]],
                  camera: dict[str, Any], lighting: dict[str, Any], ctx: SceneContext
                  ) -> MeshRender:
    """Draw mesh objects into ``frame`` (H, W, 3 uint8) and ``id_map`` (H, W uint16), in place."""
    height, width = id_map.shape
    k, r_cw, _ = camera_arrays(camera)
    light_world, strength, shadows = key_light(lighting)
    light_cam = (r_cw @ light_world).astype(np.float32)
    scene = pose_objects(objects, camera, ctx)
    casts: dict[int, PrimaryHits] = {}
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
        # flat indices: numpy gathers and scatters them several times faster than (y, x) pairs
        zi = (ys - uy0) * zbuf.shape[1] + (xs - ux0)
        t = np.take(c.hits.t, inside)
        nearer = np.flatnonzero(t < np.take(zbuf, zi))
        zbuf.ravel()[zi[nearer]] = t[nearer]
        id_map.ravel()[ys[nearer] * width + xs[nearer]] = p.object_id

    if shadows:
        ground_shadow(frame, id_map, drawn, k, r_cw, camera, light_cam, lighting["directional"])
    background = frame[uy0:uy1, ux0:ux1].copy()
    for p in drawn:
        c = casts[p.object_id]
        xs, ys, inside = pixels[p.object_id]
        flat = ys * width + xs
        own = np.flatnonzero(np.take(id_map, flat) == p.object_id)
        xs, ys, rows, flat = xs[own], ys[own], inside[own], flat[own]
        sel = Hits(np.ones(len(rows), bool), np.take(c.hits.t, rows), np.take(c.hits.face, rows),
                   np.take(c.hits.bary, rows, axis=0))
        dirs = pixel_rays(k, xs + 0.5, ys + 0.5)
        rgb, nrm = shade_hits(p, sel, dirs, k, light_cam, strength, shadows, drawn)
        frame.reshape(-1, 3)[flat] = rgb
        normals.reshape(-1, 3)[flat] = nrm

    region = (ux0, uy0, ux1, uy1)
    antialias(frame, background, id_map, region, drawn, casts, k, light_cam, strength, shadows)
    geometry = {p.object_id: _geometry(p, casts[p.object_id], k, zbuf, region, width, height)
                for p in drawn}
    zbuf[~np.isfinite(zbuf)] = 0
    depth[uy0:uy1, ux0:ux1] = zbuf
    return MeshRender(depth, normals, geometry)


def _geometry(p: Posed, c: PrimaryHits, k: np.ndarray, zbuf: np.ndarray,
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
