"""Procedural meshes that need no download: rounded box, die, cylinder, sphere, torus, extruded
glyph. Each builder takes the asset record's numbers (metres) and returns a ``trimesh.Trimesh``.

The die is a rounded cube in the standard layout (opposite faces sum to 7): +z shows 1, -z 6,
+y 2, -y 5, +x 3, -x 4. Its pips are drawn by the material from the face a point lies on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DIE_FACES = {(2, 1): 1, (2, -1): 6, (1, 1): 2, (1, -1): 5, (0, 1): 3, (0, -1): 4}  # (axis, sign)
# Pip centres per face value, in face coordinates (-1..1 across the flat part of the face).
PIPS = {
    1: [(0, 0)],
    2: [(-1, -1), (1, 1)],
    3: [(-1, -1), (0, 0), (1, 1)],
    4: [(-1, -1), (1, -1), (-1, 1), (1, 1)],
    5: [(-1, -1), (1, -1), (0, 0), (-1, 1), (1, 1)],
    6: [(-1, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (1, 1)],
}


def rounded_box(size: tuple[float, float, float], edge_radius: float, segments: int = 6) -> Any:
    """Box of ``size`` (metres) whose edges are rounded with ``edge_radius`` (fraction of the
    shorter half-side). Each face is a grid whose outer bands wrap onto the rounded edge, so
    normals are exact and flat faces stay two triangles wide in the middle."""
    import trimesh

    half = np.asarray(size, float) / 2
    r = float(edge_radius) * half.min()
    # band coordinates: tan-spaced so the rounded edge is sampled at even angles
    t = np.tan(np.linspace(0, np.pi / 4, segments + 1))
    verts, faces = [], []
    for axis in range(3):
        u_ax, v_ax = [a for a in range(3) if a != axis]
        for sign in (1, -1):
            us = _band(half[u_ax], r, t)
            vs = _band(half[v_ax], r, t)
            uu, vv = np.meshgrid(us, vs, indexing="ij")
            p = np.zeros((*uu.shape, 3))
            p[..., axis] = sign * half[axis]
            p[..., u_ax], p[..., v_ax] = uu, vv
            base = sum(len(v) for v in verts)
            verts.append(p.reshape(-1, 3))
            n_u, n_v = uu.shape
            i = np.arange(n_u - 1)[:, None] * n_v + np.arange(n_v - 1)[None, :]
            a, b, c, d = i, i + n_v, i + n_v + 1, i + 1
            quad = np.stack([a, b, c, a, c, d], -1).reshape(-1, 3)
            # (u, v, axis) right-handed for +sign: keep the winding; flip it for the -sign face
            right = np.cross(np.eye(3)[u_ax], np.eye(3)[v_ax])[axis] * sign > 0
            faces.append(base + (quad if right else quad[:, ::-1]))
    v = np.concatenate(verts)
    inner = np.clip(v, -(half - r), half - r)
    off = v - inner
    length = np.linalg.norm(off, axis=1, keepdims=True)
    v = inner + off / np.maximum(length, 1e-12) * r if r > 0 else v
    mesh = trimesh.Trimesh(v, np.concatenate(faces), process=True)
    mesh.merge_vertices()
    return mesh


def _band(h: float, r: float, t: np.ndarray) -> np.ndarray:
    """Grid coordinates across one face side: dense in the rounded bands, one step between."""
    if r <= 0:
        return np.array([-h, h])
    edge = (h - r) + r * t  # from the flat part's end out to the face's rim
    return np.concatenate([-edge[::-1], edge[:] if h - r > 0 else edge[1:]])


def cylinder(radius: float, height: float, sections: int = 48) -> Any:
    """Closed cylinder along z."""
    import trimesh

    return trimesh.creation.cylinder(radius=radius, height=height, sections=sections)


def sphere(radius: float, subdivisions: int = 3) -> Any:
    """Icosphere (subdivisions 3: 1,280 triangles)."""
    import trimesh

    return trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)


def torus(major: float, minor: float, sections: int = 48) -> Any:
    """Torus about z: ring radius ``major``, tube radius ``minor``."""
    import trimesh

    return trimesh.creation.torus(major_radius=major, minor_radius=minor,
                                  major_sections=sections, minor_sections=sections // 2)


def die_face(points: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """(n,) face value 1-6 of each object-frame point (by its normal's dominant axis)."""
    axis = np.abs(normals).argmax(1)
    sign = np.sign(normals[np.arange(len(normals)), axis])
    lut = np.zeros((3, 3), np.int8)
    for (a, s), value in DIE_FACES.items():
        lut[a, s + 1] = value
    return lut[axis, (sign + 1).astype(int)]


def face_up(rotation_world: np.ndarray) -> int:
    """Value on the die face that points up (+z world) under object-to-world ``rotation_world``."""
    up_in_object = np.asarray(rotation_world, float).T @ np.array([0.0, 0.0, 1.0])
    axis = int(np.abs(up_in_object).argmax())
    return DIE_FACES[(axis, 1 if up_in_object[axis] > 0 else -1)]
