"""Shadows that meshes cast on the ground (the world plane z = 0, seen as the background).

Shadow rays start on the ground under each pixel near an object's shadow and go towards the
light; they are cast on a grid of every fourth pixel (a soft shadow has no finer detail), then
upsampled and blurred by the light's ``shadow_blur`` before darkening the frame by its
``shadow_opacity``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from renderer.mesh.camera import pixel_rays, project
from renderer.mesh.raycast import occluded
from renderer.mesh.vec import dot

if TYPE_CHECKING:
    from renderer.compose.mesh_surface import Posed

_STEP = 4


def _region(p: Posed, k: np.ndarray, normal: np.ndarray, offset: float, light: np.ndarray,
            width: int, height: int) -> tuple[int, int, int, int] | None:
    corners = (p.mesh.corners() * p.scale) @ p.rot.T + p.trans
    towards = float(normal @ light)
    if towards <= 1e-6:
        return None
    s = (corners @ normal - offset) / towards
    ground = corners - s[:, None] * light[None, :]
    pts = np.vstack([corners, ground])
    pts = pts[pts[:, 2] > 1e-3]
    if not len(pts):
        return None
    uv = project(k, pts)
    x0, y0 = np.floor(uv.min(0)).astype(int) - 2
    x1, y1 = np.ceil(uv.max(0)).astype(int) + 2
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def occlusion(origins: np.ndarray, light: np.ndarray, scene: list[Posed]) -> np.ndarray:
    """(n,) float32 fraction of the light each origin loses to the objects (0 = fully lit).

    Rays first meet the objects' bounding spheres, all objects in one matrix product; Embree
    then tests only the rays that pass a sphere ahead of their origin.
    """
    cover = np.zeros(len(origins), np.float32)
    if not len(origins) or not scene:
        return cover
    light32 = light.astype(np.float32)
    centres = np.array([q.trans for q in scene], np.float32)
    radii = np.array([q.mesh.radius * q.scale for q in scene], np.float32)
    along = (origins @ light32)[:, None] - (centres @ light32)[None, :]
    across = (dot(origins, origins)[:, None] - 2 * (origins @ centres.T)
              + dot(centres, centres)[None, :] - along * along)
    maybe_all = (across <= radii * radii) & (along < radii)
    dirs = np.broadcast_to(light32, origins.shape)
    for j, q in enumerate(scene):
        maybe = np.flatnonzero(maybe_all[:, j])
        if not len(maybe):
            continue
        o, d = q.to_object(np.take(origins, maybe, axis=0), dirs[:len(maybe)])
        blocked = maybe[occluded(q.mesh, o, d)]
        strength = np.float32(1 - 0.6 * q.plan.asset["material"]["translucency"])
        cover[blocked] = np.maximum(cover[blocked], strength)
    return cover


def ground_shadow(frame: np.ndarray, id_map: np.ndarray, scene: list[Posed], k: np.ndarray,
                  r_cw: np.ndarray, camera: dict[str, Any], light: np.ndarray,
                  directional: dict[str, Any]) -> None:
    """Darken ``frame`` (in place) where the objects shadow the ground.

    Coverage lives on one coarse grid (every ``_STEP`` pixels) over the union of the objects'
    shadow regions; each object casts rays only in its own region. The blur runs on the coarse
    grid too, and one upsample and multiply apply it.
    """
    height, width = id_map.shape
    normal = r_cw[:, 2]  # world +z in the camera frame
    offset = float(normal @ np.asarray(camera["t"], float))
    boxes = [(p, b) for p in scene if (b := _region(p, k, normal, offset, light, width, height))]
    if not boxes:
        return
    sigma = float(directional["shadow_blur"])
    margin = int(np.ceil(3 * sigma))
    x0 = max(min(b[0] for _, b in boxes) - margin, 0)
    y0 = max(min(b[1] for _, b in boxes) - margin, 0)
    x1 = min(max(b[2] for _, b in boxes) + margin, width)
    y1 = min(max(b[3] for _, b in boxes) + margin, height)
    coarse = np.zeros((-(-(y1 - y0) // _STEP), -(-(x1 - x0) // _STEP)), np.float32)
    for p, (bx0, by0, bx1, by1) in boxes:
        cx0, cy0 = (bx0 - x0) // _STEP, (by0 - y0) // _STEP
        cx1, cy1 = -(-(bx1 - x0) // _STEP), -(-(by1 - y0) // _STEP)
        cell = _cover(cx0, cy0, cx1, cy1, (x0, y0), k, normal, offset, light, p, id_map)
        np.maximum(coarse[cy0:cy1, cx0:cx1], cell, out=coarse[cy0:cy1, cx0:cx1])
    if not coarse.any():
        return
    if sigma / _STEP > 0.2:
        coarse = cv2.GaussianBlur(coarse, (0, 0), sigma / _STEP)
    gh, gw = coarse.shape
    full = cv2.resize(coarse, (gw * _STEP, gh * _STEP), interpolation=cv2.INTER_LINEAR)
    # light kept as uint8 (255 = all): a uint8 multiply with scale is 2x the float one
    keep = cv2.convertScaleAbs(full[:y1 - y0, :x1 - x0],
                               alpha=-255 * float(directional["shadow_opacity"]), beta=255)
    roi = frame[y0:y1, x0:x1]
    roi[:] = cv2.multiply(roi, cv2.merge([keep, keep, keep]), scale=1 / 255)


def _cover(cx0: int, cy0: int, cx1: int, cy1: int, origin: tuple[int, int], k: np.ndarray,
           normal: np.ndarray, offset: float, light: np.ndarray, p: Posed, id_map: np.ndarray
           ) -> np.ndarray:
    """Shadow of object ``p`` on the ground at coarse cells [cx0, cx1) x [cy0, cy1) of the grid
    that starts at canvas pixel ``origin``. The ground the object itself hides counts as
    shadowed (no rays): the blur then darkens, rather than lightens, where it touches the ground."""
    gw, gh = cx1 - cx0, cy1 - cy0
    gy, gx = np.divmod(np.arange(gw * gh), gw)
    ix = origin[0] + (cx0 + gx) * _STEP + _STEP // 2
    iy = origin[1] + (cy0 + gy) * _STEP + _STEP // 2
    dirs = pixel_rays(k, ix + 0.5, iy + 0.5)
    facing = dirs @ normal.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.float32(offset) / facing
    height, width = id_map.shape
    under = np.zeros(gw * gh, bool)
    inside = (ix < width) & (iy < height)
    under[inside] = id_map[iy[inside], ix[inside]] == p.object_id
    on_ground = np.flatnonzero(np.isfinite(t) & (t > 0) & ~under)
    cell = np.zeros(gw * gh, np.float32)
    cell[under] = 1 - 0.6 * p.plan.asset["material"]["translucency"]
    origins = dirs[on_ground] * t[on_ground, None]
    origins += normal.astype(np.float32) * np.float32(1e-5 * max(offset, 1e-3))
    cell[on_ground] = occlusion(origins, light, [p])
    return cell.reshape(gh, gw)
