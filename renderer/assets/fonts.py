"""Font files: resolving font references and checking that a font has the glyphs asked of it."""

from __future__ import annotations

import struct
from functools import cache
from pathlib import Path

from renderer.scene_context import AssetError, SceneContext
from renderer.text import first_line

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


def resolve_fonts(refs: tuple[str, ...], ctx: SceneContext) -> tuple[str, ...]:
    """Expand font references (files or folders) into sorted font-file references.

    ``builtin:fonts`` expands to every bundled font; a folder to every font file inside it.
    Returned references keep the caller's prefix so plans stay machine-independent. Font files
    named directly are not opened here: the glyph pool checks them (a missing one is then a bad
    file, skippable like the others).
    """
    out: list[str] = []
    for ref in refs:
        if Path(ref).suffix.lower() in FONT_SUFFIXES:
            out.append(ref)
            continue
        path = ctx.resolve(ref, "font folder")
        if not path.is_dir():
            raise AssetError(f"font {ref!r} is neither a .ttf/.otf/.ttc file nor a folder")
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in FONT_SUFFIXES)
        if not files:
            raise AssetError(f"font folder {ref!r} holds no .ttf/.otf/.ttc file")
        out.extend(f"{ref.rstrip('/')}/{p.relative_to(path).as_posix()}" for p in files)
    return tuple(out)


@cache
def font_charset(path: Path) -> frozenset[int] | str:
    """Code points the font maps to a glyph (its cmap), or why it cannot be read."""
    from fontTools.ttLib import TTFont, TTLibError  # only needed when glyph assets are used

    try:
        # Our own file handle: fontTools leaves its own open when the font is malformed.
        with open(path, "rb") as fh, TTFont(fh, lazy=True, fontNumber=0) as font:
            # Placeholder glyph names: only the code points matter here, and decoding the real
            # names (the 'post' table) is most of the cost (7x: 130 -> 19 ms for 16 fonts).
            font.setGlyphOrder([f"g{i}" for i in range(font["maxp"].numGlyphs)])
            cmap = font.getBestCmap() or {}
    except (TTLibError, OSError, AssertionError, KeyError, ValueError, IndexError,
            struct.error, TypeError) as exc:  # fontTools' parsers fail in many ways on bad files
        return first_line(exc)
    return frozenset(cmap)


def check_glyphs(font_ref: str, path: Path, texts: tuple[str, ...]) -> None:
    """Raise ``AssetError`` naming the font and characters it lacks (never draw tofu)."""
    charset = font_charset(path)
    if isinstance(charset, str):
        raise AssetError(f"font {font_ref!r} cannot be read: {charset}")
    if not charset:
        raise AssetError(f"font {font_ref!r} maps no character (no usable cmap table)")
    missing = sorted({c for t in texts for c in t if not c.isspace() and ord(c) not in charset})
    if missing:
        raise AssetError(f"font {font_ref!r} lacks glyph(s) {''.join(missing)!r}")
