"""Shadows that meshes cast on the ground (the world plane z = 0, seen as the background).

Shadow rays start on the ground under each pixel near an object's shadow and go towards the
light; they are cast on a grid of every third pixel (a soft shadow has no finer detail), then
upsampled and blurred by the light's ``shadow_blur`` before darkening the frame by its
``shadow_opacity``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from renderer.effects.blur import gaussian_blur
from renderer.mesh.camera import pixel_rays, project
from renderer.mesh.raycast import occluded

if TYPE_CHECKING:
    from renderer.compose.meshes import Posed

_STEP = 3


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
    """(n,) float32 fraction of the light each origin loses to the objects (0 = fully lit)."""
    cover = np.zeros(len(origins), np.float32)
    dirs = np.broadcast_to(light.astype(np.float32), origins.shape)
    for q in scene:
        maybe = np.flatnonzero(q.sphere_hit(origins, light))
        if not len(maybe):
            continue
        o, d = q.to_object(origins[maybe], dirs[maybe])
        blocked = maybe[occluded(q.mesh, o, d)]
        strength = np.float32(1 - 0.6 * q.plan.asset["material"]["translucency"])
        cover[blocked] = np.maximum(cover[blocked], strength)
    return cover


def ground_shadow(frame: np.ndarray, id_map: np.ndarray, scene: list[Posed], k: np.ndarray,
                  r_cw: np.ndarray, camera: dict[str, Any], light: np.ndarray,
                  directional: dict[str, Any]) -> None:
    """Darken ``frame`` (in place) where the objects shadow the ground."""
    height, width = id_map.shape
    normal = r_cw[:, 2]  # world +z in the camera frame
    offset = float(normal @ np.asarray(camera["t"], float))
    cover = np.zeros((height, width), np.float32)
    regions = []
    for p in scene:
        box = _region(p, k, normal, offset, light, width, height)
        if box is not None and _cover(cover, box, k, normal, offset, light, p, id_map):
            regions.append(box)
    if not regions:
        return
    x0, y0 = min(b[0] for b in regions), min(b[1] for b in regions)
    x1, y1 = max(b[2] for b in regions), max(b[3] for b in regions)
    sigma = float(directional["shadow_blur"])
    full = cover[y0:y1, x0:x1]
    if sigma > 0:
        full = gaussian_blur(full, sigma)
    keep = 1 - np.float32(directional["shadow_opacity"]) * np.clip(full, 0, 1)
    roi = frame[y0:y1, x0:x1]
    roi[:] = cv2.multiply(roi, cv2.merge([keep, keep, keep]), dtype=cv2.CV_8U)


def _cover(cover: np.ndarray, box: tuple[int, int, int, int], k: np.ndarray, normal: np.ndarray,
           offset: float, light: np.ndarray, p: Posed, id_map: np.ndarray) -> bool:
    """Raise ``cover`` (H, W) in ``box`` to the shadow object ``p`` casts on the ground there;
    whether any shadow fell. The ground the object itself hides counts as shadowed (no rays):
    so the blur darkens, rather than lightens, the ground where the object touches it."""
    x0, y0, x1, y1 = box
    gw, gh = -(-(x1 - x0) // _STEP), -(-(y1 - y0) // _STEP)
    gy, gx = np.divmod(np.arange(gw * gh), gw)
    ix, iy = x0 + gx * _STEP + _STEP // 2, y0 + gy * _STEP + _STEP // 2
    dirs = pixel_rays(k, ix + 0.5, iy + 0.5)
    facing = dirs @ normal.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.float32(offset) / facing
    height, width = id_map.shape
    under = np.zeros(gw * gh, bool)
    inside = (ix < width) & (iy < height)
    under[inside] = id_map[iy[inside], ix[inside]] == p.object_id
    on_ground = np.flatnonzero(np.isfinite(t) & (t > 0) & ~under)
    coarse = np.zeros(gw * gh, np.float32)
    coarse[under] = 1 - 0.6 * p.plan.asset["material"]["translucency"]
    origins = dirs[on_ground] * t[on_ground, None]
    origins += normal.astype(np.float32) * np.float32(1e-5 * max(offset, 1e-3))
    coarse[on_ground] = occlusion(origins, light, [p])
    if not coarse.any():
        return False
    full = cv2.resize(coarse.reshape(gh, gw), (gw * _STEP, gh * _STEP),
                      interpolation=cv2.INTER_LINEAR)[:y1 - y0, :x1 - x0]
    np.maximum(cover[y0:y1, x0:x1], full, out=cover[y0:y1, x0:x1])
    return True
