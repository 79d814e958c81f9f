"""Font files: resolving font references and checking that a font has the glyphs asked of it."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from renderer.resources import AssetError, SceneContext

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


def resolve_fonts(refs: tuple[str, ...], ctx: SceneContext) -> tuple[str, ...]:
    """Expand font references (files or folders) into sorted font-file references.

    ``builtin:fonts`` expands to every bundled font; a folder to every font file inside it.
    Returned references keep the caller's prefix so plans stay machine-independent.
    """
    out: list[str] = []
    for ref in refs:
        path = ctx.resolve(ref, "font")
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in FONT_SUFFIXES)
            if not files:
                raise AssetError(f"font folder {ref!r} holds no .ttf/.otf/.ttc file")
            out.extend(f"{ref.rstrip('/')}/{p.relative_to(path).as_posix()}" for p in files)
        elif path.suffix.lower() in FONT_SUFFIXES:
            out.append(ref)
        else:
            raise AssetError(f"font {ref!r} is not a .ttf/.otf/.ttc file")
    return tuple(out)


@cache
def font_charset(path: Path) -> frozenset[int]:
    """Code points the font maps to a glyph (its cmap); raises ``AssetError`` if unreadable."""
    from fontTools.ttLib import TTFont, TTLibError  # only needed when glyph assets are used

    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            cmap = font.getBestCmap() or {}
    except (TTLibError, OSError, AssertionError, KeyError, ValueError) as exc:
        raise AssetError(f"font {path.name!r} cannot be read: {exc}") from None
    return frozenset(cmap)


def check_glyphs(font_ref: str, path: Path, texts: tuple[str, ...]) -> None:
    """Raise ``AssetError`` naming the font and characters it lacks (never draw tofu)."""
    charset = font_charset(path)
    missing = sorted({c for t in texts for c in t if not c.isspace() and ord(c) not in charset})
    if missing:
        raise AssetError(f"font {font_ref!r} lacks glyph(s) {''.join(missing)!r}")
