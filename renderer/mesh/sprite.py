"""A mesh seen from straight above (orthographic), as the raster flat scenes paste."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from renderer.assets.base import AssetRaster, freeze, mip_size
from renderer.mesh.material import base_color
from renderer.mesh.raycast import cast
from renderer.mesh.shading import shade
from renderer.mesh.sources import mesh_of
from renderer.scene_context import SceneContext

_LIGHT = np.array([-0.4, -0.4, 0.82], np.float32)  # from the upper left, above
_SUPERSAMPLE = 2


def top_view(record: dict[str, Any], size_px: int, ctx: SceneContext) -> AssetRaster:
    """RGBA raster of the mesh looking down -z, longest side ``mip_size(size_px)`` pixels; its
    keypoints are the centroid and the 8 bounding-box corners, seen from above."""
    mesh = mesh_of(record, ctx)
    lo, hi = mesh.bounds
    extent = hi[:2] - lo[:2]
    size = mip_size(size_px)
    per_px = max(extent) / size
    w = max(1, int(np.ceil(extent[0] / per_px)))
    h = max(1, int(np.ceil(extent[1] / per_px)))
    ss = _SUPERSAMPLE
    ys, xs = np.divmod(np.arange(w * h * ss * ss), w * ss)
    # image x = mesh x, image y = -mesh y (looking down, north up)
    px = lo[0] + (xs + 0.5) * per_px / ss
    py = hi[1] - (ys + 0.5) * per_px / ss
    origins = np.column_stack([px, py, np.full(len(px), hi[2] + 1.0)]).astype(np.float32)
    dirs = np.broadcast_to(np.array([0, 0, -1], np.float32), origins.shape)
    hits = cast(mesh, origins, dirs)
    rgb = np.zeros((len(px), 3), np.float32)
    if hits.hit.any():
        idx = np.flatnonzero(hits.hit)
        points = origins[idx] + dirs[idx] * hits.t[:, None]
        normals = (mesh.normals[mesh.faces[hits.face]] * hits.bary[:, :, None]).sum(1)
        normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-9)
        base = base_color(record, mesh, points, hits.face, hits.bary,
                          np.full(len(idx), per_px, np.float32))
        view = np.broadcast_to(np.array([0, 0, 1], np.float32), normals.shape)
        rgb[idx] = shade(base, normals.astype(np.float32), np.ascontiguousarray(view), _LIGHT, 0.9,
                         np.ones(len(idx), np.float32), record["material"])
    alpha_ss = hits.hit.astype(np.float32).reshape(h * ss, w * ss) * 255
    rgb_ss = (rgb * hits.hit[:, None]).reshape(h * ss, w * ss, 3)
    alpha = cv2.resize(alpha_ss, (w, h), interpolation=cv2.INTER_AREA)
    prem = cv2.resize(rgb_ss, (w, h), interpolation=cv2.INTER_AREA)
    alpha = np.clip(alpha + 0.5, 0, 255).astype(np.uint8)
    prem = np.clip(prem + 0.5, 0, 255).astype(np.uint8)  # area-averaged: already premultiplied
    if alpha.max() == 0:  # thinner than a pixel: keep one pixel so the object exists
        alpha[h // 2, w // 2] = 255
    corners = np.vstack([np.zeros((1, 3)), mesh.corners()])
    kp = np.column_stack([(corners[:, 0] - lo[0]) / per_px, (hi[1] - corners[:, 1]) / per_px])
    kp = kp.astype(np.float32)
    freeze(alpha, prem, kp)
    return AssetRaster(alpha, prem, kp)

