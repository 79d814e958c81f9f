"""Procedural textures: used as backgrounds and as object fill.

Each texture kind is one module that registers in ``TEXTURES``; its record (drawn at plan time)
holds two colours and the field parameters, and ``render(record, height, width)`` gives RGB uint8.
"""

from renderer.textures.base import TEXTURES, colorize

__all__ = ["TEXTURES", "colorize"]

# Registration happens on import; keep this list in sync with the modules of this package.
from renderer.textures import cellular, checker, noise, stripes  # noqa: F401
