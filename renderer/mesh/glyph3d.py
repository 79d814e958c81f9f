"""Extruded glyphs: a character's outline from a bundled font, extruded into a solid.

The outline comes from the font through fontTools (curves flattened to polylines), is filled
even-odd as fonts are, and extruded with trimesh.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from renderer.resources import AssetError

_CURVE_STEPS = 8


class _PolylinePen(BasePen):
    """Collects a glyph's contours as closed polylines (font units)."""

    def __init__(self, glyph_set: Any) -> None:
        super().__init__(glyph_set)
        self.contours: list[list[tuple[float, float]]] = []

    def _moveTo(self, pt: tuple[float, float]) -> None:  # noqa: N802 - fontTools pen API
        self.contours.append([pt])

    def _lineTo(self, pt: tuple[float, float]) -> None:  # noqa: N802 - fontTools pen API
        self.contours[-1].append(pt)

    def _curveToOne(self, p1: tuple[float, float], p2: tuple[float, float],  # noqa: N802 - fontTools pen API
                    p3: tuple[float, float]) -> None:
        p0 = np.array(self.contours[-1][-1], float)
        t = np.linspace(0, 1, _CURVE_STEPS + 1)[1:, None]
        a, b, c = np.array(p1, float), np.array(p2, float), np.array(p3, float)
        pts = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * a + 3 * (1 - t) * t**2 * b + t**3 * c
        self.contours[-1].extend(map(tuple, pts))

    def _closePath(self) -> None:  # noqa: N802 - fontTools pen API
        pass


def extruded_glyph(font_path: str, char: str, depth: float) -> Any:
    """Solid of ``char`` from the font at ``font_path``: 1 unit tall, ``depth`` units thick."""
    import shapely
    import trimesh
    from shapely.geometry import Polygon

    with open(font_path, "rb") as fh, TTFont(fh, lazy=True) as font:
        name = (font.getBestCmap() or {}).get(ord(char))
        if name is None:
            raise AssetError(f"font {font_path!r} lacks glyph {char!r}")
        glyphs = font.getGlyphSet()
        pen = _PolylinePen(glyphs)
        glyphs[name].draw(pen)
    shape = None
    for contour in pen.contours:
        if len(contour) < 3:
            continue
        poly = Polygon(contour).buffer(0)
        shape = poly if shape is None else shape.symmetric_difference(poly)  # even-odd fill
    if shape is None or shape.is_empty:
        raise AssetError(f"font {font_path!r} draws no outline for {char!r}")
    x0, y0, x1, y1 = shape.bounds
    scale = 1.0 / max(x1 - x0, y1 - y0)
    shape = shapely.affinity.scale(shapely.affinity.translate(shape, -(x0 + x1) / 2, -(y0 + y1) / 2),
                                   scale, scale, origin=(0, 0))
    polys = list(shape.geoms) if hasattr(shape, "geoms") else [shape]
    parts = [trimesh.creation.extrude_polygon(p, depth) for p in polys if p.area > 1e-6]
    return trimesh.util.concatenate(parts)
