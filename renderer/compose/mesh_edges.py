"""Anti-aliased mesh edges: pixels on an ownership edge average their centre ray with two more
on the other diagonal (three samples, four coverage levels, half the rays of a 2x2 grid). Only
colours change: the instance map and every mask keep the centre rays' ownership."""

from __future__ import annotations

import numpy as np

from renderer.compose.mesh_surface import Posed, PrimaryHits, shade_hits
from renderer.mesh.camera import pixel_rays
from renderer.mesh.raycast import Hits, cast

_SUB = ((0.25, -0.25), (-0.25, 0.25))
_NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1))


def _edges(id_map: np.ndarray, boxes: list[tuple[int, int, int, int, int]]) -> np.ndarray:
    """Flat indices of pixels on an ownership edge of a mesh (both sides of it), looked for only
    in each mesh's box (x0, y0, x1, y1, id), grown by a pixel."""
    height, width = id_map.shape
    found = []
    for bx0, by0, bx1, by1, object_id in boxes:
        x0, y0 = max(bx0 - 1, 0), max(by0 - 1, 0)
        x1, y1 = min(bx1 + 1, width), min(by1 + 1, height)
        sub = id_map[y0:y1, x0:x1]
        mine = sub == object_id
        edge = np.zeros(sub.shape, bool)
        dx = (sub[:, 1:] != sub[:, :-1]) & (mine[:, 1:] | mine[:, :-1])
        dy = (sub[1:] != sub[:-1]) & (mine[1:] | mine[:-1])
        edge[:, 1:] |= dx
        edge[:, :-1] |= dx
        edge[1:] |= dy
        edge[:-1] |= dy
        ys, xs = np.nonzero(edge)
        found.append((ys + y0) * width + xs + x0)
    return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


def antialias(frame: np.ndarray, background: np.ndarray, id_map: np.ndarray,
               region: tuple[int, int, int, int], drawn: list[Posed], casts: dict[int, PrimaryHits],
               k: np.ndarray, light_cam: np.ndarray, strength: float, shadows: bool) -> None:
    """Replace colours at ownership edges touching a mesh by the mean of sub-pixel rays.

    ``background`` is the frame in ``region`` (x0, y0, x1, y1) before the meshes were drawn.
    """
    ux0, uy0 = region[:2]
    boxes = [(c.x0, c.y0, c.x0 + c.w, c.y0 + c.h, oid) for oid, c in casts.items()]
    ys, xs = np.divmod(_edges(id_map, boxes), id_map.shape[1])
    if not len(xs):
        return
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
    # A sub-sample seeing another object than its pixel's centre takes that object's colour at
    # the neighbouring pixel it owns (edges run between neighbours); shade it only if none does.
    height, width = id_map.shape
    pending = np.ones(n * m, bool)
    ids = np.array([p.object_id for p in drawn], np.int32)
    for dx, dy in _NEIGHBOURS:
        nx, ny = np.clip(px + dx, 0, width - 1), np.clip(py + dy, 0, height - 1)
        take = pending & (owner >= 0) & (owner != centre)
        take[take] = id_map[ny[take], nx[take]] == ids[owner[take]]
        colour[take] = frame[ny[take], nx[take]]
        pending &= ~take
    for j, p in enumerate(drawn):
        idx = np.flatnonzero((owner == j) & (centre != j) & pending)
        if len(idx):
            sub = Hits(np.ones(len(idx), bool), best[idx], face[idx], bary[idx])
            colour[idx] = shade_hits(p, sub, dirs[idx], k, light_cam, strength, shadows, drawn)[0]
    mean = (colour.reshape(m, n, 3).sum(0) + frame[ys, xs]) / (m + 1)
    frame[ys, xs] = np.clip(mean + 0.5, 0, 255).astype(np.uint8)
