"""Surface colour of mesh hits: solid colour, UV texture, procedural marble veins, die pips.

Everything here is a pure function of the asset record (drawn at plan time) and the hit points,
so the same hit gets the same colour in the main pass and in edge supersampling.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from renderer.mesh.data import MeshData
from renderer.mesh.procedural import PIPS, die_face

PIP_SPACING = 0.25  # pip centres at -0.25, 0, 0.25 of a unit die face
PIP_RADIUS = 0.085


def _smoothstep(edge0: float | np.ndarray, edge1: float | np.ndarray, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / np.maximum(edge1 - edge0, 1e-9), 0, 1)
    return t * t * (3 - 2 * t)


def base_color(record: dict[str, Any], mesh: MeshData, points: np.ndarray, face: np.ndarray,
               bary: np.ndarray, pixel: np.ndarray) -> np.ndarray:
    """(n, 3) float32 colour (0-1) of hits at object-frame ``points`` (mesh units).

    Args:
        record: the asset record (its ``material`` block and ``source``).
        mesh: the mesh hit.
        points: (n, 3) hit positions in the mesh's frame.
        face, bary: hit triangles and barycentric weights (for UV textures).
        pixel: (n,) size of one pixel at each hit, in mesh units (anti-aliases pips and veins).
    """
    material = record["material"]
    n = len(points)
    colour = np.empty((n, 3), np.float32)
    colour[:] = np.asarray(material["color"], np.float32) / 255
    if mesh.texture is not None and mesh.uv is not None and n:
        colour = _texture(mesh, face, bary)
    marble = material.get("marble")
    if marble is not None and n:
        vein = _veins(points, marble, pixel)
        tint = np.asarray(marble["color"], np.float32) / 255
        colour += (tint - colour) * vein[:, None]
    if record["source"] == "dice" and n:
        colour = _pips(points, colour, np.asarray(material["pip_color"], np.float32) / 255, pixel,
                       radius=material.get("pip_radius", PIP_RADIUS),
                       spacing=material.get("pip_spacing", PIP_SPACING))
    return colour


def _texture(mesh: MeshData, face: np.ndarray, bary: np.ndarray) -> np.ndarray:
    uv = (mesh.uv[mesh.faces[face]] * bary[:, :, None]).sum(1)  # type: ignore[index]
    tex = mesh.texture
    h, w = tex.shape[:2]  # type: ignore[union-attr]
    x = np.clip((np.mod(uv[:, 0], 1.0) * w).astype(np.int32), 0, w - 1)
    y = np.clip(((1 - np.mod(uv[:, 1], 1.0)) * h).astype(np.int32), 0, h - 1)  # v grows upward
    return tex[y, x].astype(np.float32) / 255  # type: ignore[index]


def _veins(points: np.ndarray, marble: dict[str, Any], pixel: np.ndarray) -> np.ndarray:
    """Marble: thin veins where a turbulent sine crosses zero (0 = none, strength = vein)."""
    p = points.astype(np.float32)
    waves = np.asarray(marble["waves"], np.float32)  # (k, 5): direction xyz, frequency, phase
    turb = np.zeros(len(p), np.float32)
    for i, (dx, dy, dz, freq, phase) in enumerate(waves):
        turb += np.sin(freq * (p @ np.array([dx, dy, dz], np.float32)) + phase) / (i + 1)
    along = p @ waves[0, :3] * np.float32(marble["scale"]) + turb * np.float32(marble["turbulence"])
    dist = np.abs(np.sin(along))
    width = np.float32(marble["width"])
    blur = pixel * np.float32(marble["scale"])
    return (1 - _smoothstep(width, width + blur + 1e-3, dist)) * np.float32(marble["strength"])


def _pip_table() -> tuple[np.ndarray, np.ndarray]:
    """The 3 x 3 grid of pip places (9, 2) in units of the pip spacing and, per face value 0-6,
    which places hold a pip."""
    grid = np.array([(u, v) for u in (-1, 0, 1) for v in (-1, 0, 1)], np.float32)
    used = np.zeros((7, 9), bool)
    for value, centres in PIPS.items():
        for cu, cv in centres:
            used[value, (cu + 1) * 3 + (cv + 1)] = True
    return grid, used


_GRID, _USED = _pip_table()


def _pips(points: np.ndarray, colour: np.ndarray, pip: np.ndarray, pixel: np.ndarray, *,
          radius: float = PIP_RADIUS, spacing: float = PIP_SPACING) -> np.ndarray:
    """Paint the die's pips: disks of ``radius`` on each face, centres ``spacing`` apart (both
    fractions of the die's side), darker towards their centre (a dimple)."""
    rows = np.arange(len(points))
    axis = np.abs(points).argmax(1)
    unit = np.zeros_like(points)
    unit[rows, axis] = np.sign(points[rows, axis])
    value = die_face(points, unit)
    # in-face coordinates: the two axes other than the face's own, in a fixed order
    u = points[rows, np.where(axis == 0, 1, 0)]
    v = points[rows, np.where(axis == 2, 1, 2)]
    grid = _GRID * np.float32(spacing)
    d2 = (u[:, None] - grid[None, :, 0]) ** 2 + (v[:, None] - grid[None, :, 1]) ** 2
    d2[~_USED[value]] = np.inf
    nearest = np.sqrt(d2.min(1))
    cover = 1 - _smoothstep(radius - pixel / 2, radius + pixel / 2, nearest)
    dimple = pip[None, :] * (0.6 + 0.4 * np.clip(nearest / radius, 0, 1))[:, None]
    return colour + (dimple - colour) * cover[:, None]
