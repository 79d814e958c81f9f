"""Mesh files (OBJ, PLY, STL, GLB/GLTF, OFF) loaded through trimesh, with UV textures where
present, checked so that every unusable file is one clear error naming it.

Checks: readable, not empty, finite vertices, at most ``MAX_FACES`` triangles, no edge shared
by more than two triangles (non-manifold), and every texture a material names present.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from renderer.mesh.data import MeshData, from_trimesh
from renderer.scene_context import AssetError
from renderer.text import first_line

MESH_SUFFIXES = (".obj", ".ply", ".stl", ".glb", ".gltf", ".off")
MAX_FACES = 2_000_000
MAX_BYTES = 1 << 30

log = logging.getLogger(__name__)


def _missing_textures(path: Path) -> list[str]:
    """Texture files an OBJ's material libraries name that do not exist beside them."""
    if path.suffix.lower() != ".obj":
        return []
    missing = []
    text = path.read_text(encoding="utf-8", errors="replace")
    for lib in re.findall(r"^\s*mtllib\s+(.+?)\s*$", text, re.M):
        mtl = path.parent / lib
        if not mtl.is_file():
            missing.append(lib)
            continue
        for tex in re.findall(r"^\s*map_Kd\s+(?:-\S+\s+\S+\s+)*(.+?)\s*$",
                              mtl.read_text(encoding="utf-8", errors="replace"), re.M):
            if not (mtl.parent / tex).is_file():
                missing.append(tex)
    return missing


def load_mesh_file(path: Path, ref: str, scale: float) -> MeshData:
    """Load and check a mesh file; ``scale`` converts its units to metres."""
    import trimesh

    if path.suffix.lower() not in MESH_SUFFIXES:
        raise AssetError(f"mesh {ref!r} is not a mesh file ({', '.join(MESH_SUFFIXES)})")
    size = path.stat().st_size
    if size == 0:
        raise AssetError(f"mesh {ref!r} is an empty file (0 bytes)")
    if size > MAX_BYTES:
        raise AssetError(f"mesh {ref!r} is too large ({size} bytes > {MAX_BYTES})")
    missing = _missing_textures(path)
    if missing:
        raise AssetError(f"mesh {ref!r} names a missing material or texture file: {missing[0]!r}")
    try:
        tm = trimesh.load(path, force="mesh", process=False)
    except Exception as exc:
        raise AssetError(f"mesh {ref!r} cannot be read: {first_line(exc)}") from None
    if not isinstance(tm, trimesh.Trimesh) or len(tm.faces) == 0:
        raise AssetError(f"mesh {ref!r} is empty (no triangles)")
    if len(tm.faces) > MAX_FACES:
        raise AssetError(f"mesh {ref!r} is too large ({len(tm.faces)} triangles > {MAX_FACES})")
    vertices = np.asarray(tm.vertices)
    if not np.isfinite(vertices).all():
        bad = int((~np.isfinite(vertices)).any(1).sum())
        raise AssetError(f"mesh {ref!r} has {bad} vertices that are NaN or infinite")
    if np.ptp(vertices, axis=0).max() <= 0:
        raise AssetError(f"mesh {ref!r} is degenerate (all vertices at one point)")
    edges = np.sort(tm.faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    if (counts > 2).any():
        raise AssetError(f"mesh {ref!r} is non-manifold ({int((counts > 2).sum())} edges shared "
                         "by more than two triangles)")
    uv, texture = _texture(tm)
    tm.apply_scale(scale)
    if uv is not None:  # keep the file's vertices (UV seams); smooth normals over them as given
        return from_trimesh(tm, f"file:{ref}:{scale}", normals=np.asarray(tm.vertex_normals),
                            uv=uv, texture=texture)
    return from_trimesh(tm, f"file:{ref}:{scale}")


def _texture(tm: object) -> tuple[np.ndarray | None, np.ndarray | None]:
    visual = getattr(tm, "visual", None)
    uv = getattr(visual, "uv", None)
    material = getattr(visual, "material", None)
    image = getattr(material, "image", None) or getattr(material, "baseColorTexture", None)
    if uv is None or image is None:
        return None, None
    rgb = np.asarray(image.convert("RGB"))
    rgb.setflags(write=False)
    return np.asarray(uv, np.float32), rgb
