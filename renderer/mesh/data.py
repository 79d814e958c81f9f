"""``MeshData``: the read-only triangle mesh every mesh source produces.

A mesh is centred on its bounding box, in metres, with smooth vertex normals split at sharp
edges (so a cube's faces stay flat and a sphere stays round) and, for textured files, per-vertex
UVs and the texture image.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

SHARP_EDGE_DEG = 35.0  # faces meeting at a larger angle get separate normals (a crease)
STABLE_AREA = 0.1  # hull facets smaller than this fraction of the largest are not rest faces
MAX_REST = 24
OUTLINE_POINTS = 1024


@dataclass(frozen=True, eq=False)
class MeshData:
    """A triangle mesh (all arrays read-only).

    Attributes:
        vertices: (V, 3) float32 positions, metres.
        faces: (F, 3) int32 vertex indices, counter-clockwise seen from outside.
        normals: (V, 3) float32 unit vertex normals.
        uv: (V, 2) float32 texture coordinates, or None.
        texture: (h, w, 3) uint8 RGB texture, or None.
        rest: (k, 3, 3) float64 rotations that lay the mesh on each of its stable faces, most
            likely first; ``rest_p`` (k,) their probabilities.
        hull: (h, 3) float32 vertices of the convex hull (projected, they bound the silhouette).
        convex: whether the mesh is its own convex hull (then it cannot shadow itself).
        key: identity of the mesh within the process (cache key of its ray-casting scene).
    """

    vertices: np.ndarray
    faces: np.ndarray
    normals: np.ndarray
    uv: np.ndarray | None
    texture: np.ndarray | None
    rest: np.ndarray
    rest_p: np.ndarray
    hull: np.ndarray
    convex: bool
    key: str

    @cached_property
    def bounds(self) -> np.ndarray:
        """(2, 3) min and max corner, metres (read-only)."""
        bounds = np.stack([self.vertices.min(0), self.vertices.max(0)]).astype(np.float64)
        bounds.setflags(write=False)
        return bounds

    @cached_property
    def radius(self) -> float:
        """Radius of the bounding sphere about the origin, metres."""
        return float(np.sqrt((self.vertices.astype(np.float64) ** 2).sum(1).max()))

    @cached_property
    def box_corners(self) -> np.ndarray:
        """(8, 3) corners of the bounding box, in binary order of (x, y, z) (000, 001, ... 111),
        read-only."""
        lo, hi = self.bounds
        idx = (np.arange(8)[:, None] >> np.array([2, 1, 0])) & 1
        corners = np.where(idx == 1, hi, lo)
        corners.setflags(write=False)
        return corners

    @cached_property
    def corner_normals(self) -> np.ndarray:
        """(F, 3, 3) float32 normals at each triangle's three corners (one gather per hit)."""
        normals = np.ascontiguousarray(self.normals[self.faces])
        normals.setflags(write=False)
        return normals

    @cached_property
    def outline_points(self) -> tuple[np.ndarray, float]:
        """At most ``OUTLINE_POINTS`` hull vertices and ``slack`` (mesh units): every hull vertex
        lies within ``slack`` of one of them, so their projected hull grown by the projected
        slack contains the silhouette. Projecting a sphere's 10,000 hull vertices per frame cost
        more than the rays this bound saves."""
        hull = self.hull
        if len(hull) <= OUTLINE_POINTS:
            return self.hull, 0.0
        # farthest-point sampling: each pick is the hull vertex farthest from those kept so far
        x, y, z = (np.ascontiguousarray(hull[:, i]) for i in range(3))
        picks = [int(np.argmax((x - x.mean()) ** 2 + (y - y.mean()) ** 2 + (z - z.mean()) ** 2))]
        nearest = (x - x[picks[0]]) ** 2 + (y - y[picks[0]]) ** 2 + (z - z[picks[0]]) ** 2
        for _ in range(OUTLINE_POINTS - 1):
            i = int(np.argmax(nearest))
            picks.append(i)
            np.minimum(nearest, (x - x[i]) ** 2 + (y - y[i]) ** 2 + (z - z[i]) ** 2, out=nearest)
        keep = hull[picks]
        slack = float(np.sqrt(nearest.max())) * (1 + 1e-5)  # float32 rounding
        points = keep.astype(np.float32)
        points.setflags(write=False)
        return points, slack

    def corners(self) -> np.ndarray:
        """``box_corners`` (kept as a method for readability at call sites)."""
        return self.box_corners


def freeze_mesh(mesh: MeshData) -> MeshData:
    """Make every array of ``mesh`` read-only (meshes are cached and shared)."""
    for array in (mesh.vertices, mesh.faces, mesh.normals, mesh.uv, mesh.texture, mesh.rest,
                  mesh.rest_p, mesh.hull):
        if array is not None:
            array.setflags(write=False)
    return mesh


def from_trimesh(tm: object, key: str, *, centre: bool = True, normals: np.ndarray | None = None,
                 uv: np.ndarray | None = None, texture: np.ndarray | None = None) -> MeshData:
    """Build ``MeshData`` from a ``trimesh.Trimesh``: centred, creased normals, stable poses."""
    import trimesh

    assert isinstance(tm, trimesh.Trimesh)
    if centre:
        tm = tm.copy()
        tm.apply_translation(-tm.bounds.mean(0))
    if normals is None:
        smooth = trimesh.graph.smooth_shade(tm, angle=np.radians(SHARP_EDGE_DEG))
        if uv is None or len(smooth.vertices) == len(tm.vertices):
            tm = smooth
        normals = np.asarray(tm.vertex_normals, np.float32)
    rest, rest_p = stable_rotations(tm)
    hull = tm.convex_hull
    convex = bool(tm.is_watertight and abs(hull.volume - tm.volume) <= 1e-3 * hull.volume)
    return freeze_mesh(MeshData(
        vertices=np.ascontiguousarray(tm.vertices, np.float32),
        faces=np.ascontiguousarray(tm.faces, np.int32),
        normals=np.ascontiguousarray(normals, np.float32),
        uv=None if uv is None else np.ascontiguousarray(uv, np.float32),
        texture=texture, rest=rest, rest_p=rest_p,
        hull=np.ascontiguousarray(hull.vertices, np.float32), convex=convex, key=key))


def stable_rotations(tm: object) -> tuple[np.ndarray, np.ndarray]:
    """Rotations laying ``tm`` on its stable faces (of its convex hull), with probabilities."""
    hull = tm.convex_hull  # type: ignore[attr-defined]
    normals = np.asarray(hull.facets_normal if len(hull.facets) else hull.face_normals)
    areas = np.asarray(hull.facets_area if len(hull.facets) else hull.area_faces)
    # Large flat facets are where a dropped object settles; the bevels of rounded edges balance
    # only unstably. Area weights are a simple, deterministic stand-in for drop probabilities.
    order = np.argsort(-areas, kind="stable")
    order = order[areas[order] >= STABLE_AREA * areas[order[0]]][:MAX_REST]
    rotations = np.stack([rotation_to_down(normals[i]) for i in order])
    p = areas[order] / areas[order].sum()
    return rotations, p


def rotation_to_down(normal: np.ndarray) -> np.ndarray:
    """Rotation turning unit ``normal`` to -z (the smallest such rotation)."""
    a = np.asarray(normal, float) / np.linalg.norm(normal)
    b = np.array([0.0, 0.0, -1.0])
    v = np.cross(a, b)
    c = float(a @ b)
    if c < -1 + 1e-9:  # facing up: turn half a turn about x
        return np.diag([1.0, -1.0, -1.0])
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1 + c)
