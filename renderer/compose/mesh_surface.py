"""Mesh objects in the camera frame and the colour of their hits: shared by the main pass
(``meshes``) and edge supersampling (``mesh_edges``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renderer.compose.shadows3d import occlusion
from renderer.mesh.data import MeshData
from renderer.mesh.material import base_color
from renderer.mesh.raycast import Hits
from renderer.mesh.shading import shade
from renderer.mesh.vec import dot, unit
from renderer.plan import ObjectPlan

SHADOW_BIAS = 1e-3  # fraction of the object size a shadow ray starts above its surface


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
        # Embree works in float32 anyway: transform in float32 and skip float64 temporaries
        to_mesh = (self.rot / np.float32(self.scale)).astype(np.float32)  # row vectors @ R / s
        return ((origins - self.trans.astype(np.float32)) @ to_mesh,
                np.asarray(directions, np.float32) @ to_mesh)


@dataclass
class PrimaryHits:
    """Primary hits of one object inside its projected box."""

    x0: int
    y0: int
    w: int
    h: int
    pix: np.ndarray  # (m,) flat indices into the box of the hit pixels
    hits: Hits


def surface(p: Posed, hits: Hits, dirs: np.ndarray, k: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Camera-frame points, unit normals, mesh-frame points and pixel footprints of hits."""
    pts = dirs * hits.t[:, None]
    rot = p.rot.astype(np.float32)
    corner_normals = np.take(p.mesh.corner_normals, hits.face, axis=0)  # (n, 3 vertices, 3)
    nrm = unit(np.einsum("nvj,nv->nj", corner_normals, hits.bary) @ rot.T)
    # shading normals may face away at silhouettes: keep them on the camera's side
    facing = dot(nrm, dirs)
    away = np.flatnonzero(facing > 0)
    if len(away):
        d = dirs[away]
        nrm[away] -= (facing[away] / dot(d, d))[:, None] * d
        nrm[away] = unit(nrm[away])
    local = (pts - p.trans.astype(np.float32)) @ (rot / np.float32(p.scale))
    pixel = hits.t * np.float32(1 / (k[0, 0] * p.scale))
    return pts, nrm, local, pixel


def may_shadow(q: Posed, p: Posed, light: np.ndarray) -> bool:
    """Whether ``q`` can shadow any point of ``p``: its bounding sphere meets the cylinder that
    ``p``'s bounding sphere sweeps towards the light."""
    offset = q.trans - p.trans
    along = float(offset @ light)
    across = float(np.sqrt(max(offset @ offset - along * along, 0.0)))
    reach = q.mesh.radius * q.scale + p.mesh.radius * p.scale
    return across < reach and along > -reach


def shade_hits(p: Posed, hits: Hits, dirs: np.ndarray, k: np.ndarray, light_cam: np.ndarray,
            strength: float, shadows: bool, scene: list[Posed]) -> tuple[np.ndarray, np.ndarray]:
    """uint8 colours and camera-frame normals of one object's hits."""
    pts, nrm, local, pixel = surface(p, hits, dirs, k)
    base = base_color(p.plan.asset, p.mesh, local, hits.face, hits.bary, pixel)
    view = unit(-dirs)
    lit = np.ones(len(pts), np.float32)
    others = [q for q in scene if (q is p and not p.mesh.convex)
              or (q is not p and may_shadow(q, p, light_cam))]
    if shadows and others:
        # points facing away from the light are dark already, and a convex body shadows only
        # its own far side: neither needs shadow rays
        facing = np.flatnonzero(nrm @ light_cam > 0)
        origins = (np.take(pts, facing, axis=0)
                   + np.take(nrm, facing, axis=0) * np.float32(SHADOW_BIAS * p.scale + 1e-6))
        lit[facing] = 1 - occlusion(origins, light_cam, others)
    return shade(base, nrm, view, light_cam, strength, lit,
                 p.plan.asset["material"]), nrm
