"""Build (and cache, per process, read-only) the mesh of an asset record.

Procedural meshes are built at unit size (longest side 1) and scaled by the record's ``size`` at
render time, so one cached mesh serves every size; their shape numbers are drawn rounded to 0.01
so a handful of meshes cover a whole run.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from renderer.mesh import procedural
from renderer.mesh.data import MeshData, from_trimesh
from renderer.scene_context import SceneContext

PROCEDURAL = ("dice", "box", "cylinder", "sphere", "torus", "glyph")
_DETAIL_SPHERE = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}


def mesh_of(record: dict[str, Any], ctx: SceneContext) -> MeshData:
    """The mesh of an asset record (file meshes are at file scale x ``scale``)."""
    if record["source"] == "file":
        path = ctx.resolve(record["file"], "mesh")
        return _file_mesh(str(path), record["file"], float(record["scale"]))
    glyph_font = str(ctx.resolve(record["font"], "font")) if record["source"] == "glyph" else ""
    return _procedural_mesh(record["source"], float(record.get("edge_radius", 0.0)),
                            float(record.get("aspect", 1.0)), int(record.get("detail", 3)),
                            record.get("text", ""), glyph_font)


@lru_cache(maxsize=64)
def _file_mesh(path: str, ref: str, scale: float) -> MeshData:
    from pathlib import Path

    from renderer.mesh.files import load_mesh_file

    return load_mesh_file(Path(path), ref, scale)


@lru_cache(maxsize=256)
def _procedural_mesh(source: str, edge_radius: float, aspect: float, detail: int, text: str,
                     font: str) -> MeshData:
    sections = 8 * 2 ** min(detail, 5)
    if source in ("dice", "box"):
        tm = procedural.rounded_box((1.0, 1.0, aspect if source == "box" else 1.0), edge_radius,
                                    segments=max(2, 2 * detail))
    elif source == "cylinder":
        tm = procedural.cylinder(0.5, aspect, sections)
    elif source == "sphere":
        tm = procedural.sphere(0.5, _DETAIL_SPHERE.get(detail, 3))
    elif source == "torus":
        tm = procedural.torus(0.5 / (1 + aspect), 0.5 * aspect / (1 + aspect), sections)
    else:
        from renderer.mesh.glyph3d import extruded_glyph

        tm = extruded_glyph(font, text, aspect)
    extent = float(max(tm.extents))
    tm.apply_scale(1.0 / extent)
    key = f"{source}:{edge_radius}:{aspect}:{detail}:{text}:{font}"
    return from_trimesh(tm, key)
