"""Asset kinds: procedural shapes, font glyphs, RGBA cutouts, handwritten digits, and a weighted
choice among them.

Each kind is one module registered in ``ASSETS``; importing this package registers them all.
"""

from renderer.assets.base import ASSETS, AssetInfo, AssetRaster

__all__ = ["ASSETS", "AssetInfo", "AssetRaster"]

from renderer.assets import choice, cutout, glyph, handwriting, mesh, shape  # noqa: F401
