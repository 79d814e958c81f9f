"""Glyphs and strings from TrueType/OpenType fonts. Each string is a class.

A font lacking a requested character is an error at load time, never a box of tofu (with
``--skip-bad-assets``: the font is left out of the pool, and a pool left empty is an error).

YAML::

    asset:
      kind: glyph
      text: ["0", "1", "2", "A", "OK"]      # classes; a weighted map works too
      fonts: [builtin:fonts]                # bundled fonts; or files / folders of your own
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from renderer.asset_pools import FilePool, SkippedAsset, register_pool, usable_files
from renderer.assets.base import ASSETS, AssetInfo, AssetRaster, freeze, mip_size
from renderer.assets.fonts import check_glyphs, resolve_fonts
from renderer.scene_context import AssetError, SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.params import NamesParam


class GlyphParams(SpecModel):
    """Strings to draw (each one a class) and the fonts to draw them with."""

    kind: Literal["glyph"] = "glyph"
    text: NamesParam() = list("0123456789")
    fonts: tuple[str, ...] = ("builtin:fonts",)


CHECK_SIZE_PX = 32  # every character is drawn once at this size when the pool is built


@lru_cache(maxsize=64)
def _fonts(params: GlyphParams, ctx: SceneContext) -> FilePool:
    """The pool: fonts that map every requested character and draw ink for it."""
    texts = params.text.names
    chars = sorted({c for text in texts for c in text if not c.isspace()})

    def check(ref: str) -> None:
        path = ctx.resolve(ref, "font")
        check_glyphs(ref, path, texts)
        for char in chars:  # FreeType must load the font and the glyph must not be blank
            try:
                _draw(str(path), char, CHECK_SIZE_PX)
            except AssetError:
                raise AssetError(f"font {ref!r} cannot draw {char!r} (FreeType cannot load the "
                                 "font, or the glyph is blank)") from None

    return usable_files(f"font list {list(params.fonts)}", resolve_fonts(params.fonts, ctx), check,
                        ctx)


@register_pool(GlyphParams)
def _skipped(params: GlyphParams, ctx: SceneContext) -> tuple[SkippedAsset, ...]:
    return _fonts(params, ctx).skipped


@ASSETS.register("glyph")
class Glyph:
    """Font glyph / string asset."""

    Params = GlyphParams

    @staticmethod
    def describe(params: GlyphParams, ctx: SceneContext) -> AssetInfo:
        _fonts(params, ctx)
        return AssetInfo(tuple(params.text.names))

    @staticmethod
    def sample(params: GlyphParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        fonts = _fonts(params, ctx).files
        text = params.text.sample(rng)
        font = fonts[int(rng.integers(len(fonts)))]
        return {"kind": "glyph", "class_name": text, "text": text, "font": font}

    @staticmethod
    def raster(record: dict[str, Any], size_px: int, ctx: SceneContext) -> AssetRaster:
        return _draw(str(ctx.resolve(record["font"], "font")), record["text"], mip_size(size_px))


@lru_cache(maxsize=512)
def _draw(path: str, text: str, size: int) -> AssetRaster:
    try:
        font = ImageFont.truetype(path, size=size)
    except OSError as exc:
        raise AssetError(f"font {path!r} cannot be loaded by FreeType: {exc}") from None
    left, top, right, bottom = font.getbbox(text)
    canvas = Image.new("L", (max(1, right - left) + 2, max(1, bottom - top) + 2), 0)
    ImageDraw.Draw(canvas).text((1 - left, 1 - top), text, font=font, fill=255)
    alpha = np.asarray(canvas)
    ys, xs = np.nonzero(alpha)
    if len(xs) == 0:
        raise AssetError(f"font {path!r} draws no ink for {text!r}")
    alpha = np.ascontiguousarray(alpha[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1])
    keypoints = np.zeros((0, 2), np.float32)
    freeze(alpha, keypoints)
    return AssetRaster(alpha, None, keypoints)
