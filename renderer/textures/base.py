"""Shared pieces of the texture kinds: the registry, two-colour params and the colour map."""

from __future__ import annotations

from typing import Any, Protocol

import cv2
import numpy as np

from renderer.registry import Registry
from renderer.spec.base import SpecModel
from renderer.spec.color import ColorSpec


class Texture(Protocol):
    """Contract of a texture kind (see the modules of this package for examples)."""

    Params: type[SpecModel]

    @staticmethod
    def sample(params: Any, *, rng: np.random.Generator) -> dict[str, Any]: ...

    @staticmethod
    def field(record: dict[str, Any], height: int, width: int) -> np.ndarray:
        """Float32 field in [0, 1] for an image of ``height x width``; smooth kinds may return it
        at a lower resolution (same aspect), which ``render_texture`` upsamples."""
        ...


TEXTURES: Registry[Texture] = Registry("texture")


class TwoColorParams(SpecModel):
    """Colours of a texture: the field's 0 maps to ``color_a`` and 1 to ``color_b``."""

    color_a: ColorSpec = ColorSpec()
    color_b: ColorSpec = ColorSpec()


def sample_colors(params: TwoColorParams, rng: np.random.Generator) -> dict[str, Any]:
    """Draw the two colours of a texture record."""
    return {"color_a": params.color_a.sample(rng), "color_b": params.color_b.sample(rng)}


_RAMP = np.linspace(0.0, 1.0, 256, dtype=np.float32)[:, None]  # colour-map positions of 0..255


def colorize(field: np.ndarray, color_a: list[int], color_b: list[int]) -> np.ndarray:
    """Map a float field in [0, 1] to RGB uint8 between two colours, through a 256-entry LUT."""
    index = cv2.multiply(field, 255.0, dtype=cv2.CV_8U)  # rounds and saturates to 0..255
    lut = np.asarray(color_a, np.float32) * (1 - _RAMP) + np.asarray(color_b, np.float32) * _RAMP
    lut = np.clip(np.round(lut), 0, 255).astype(np.uint8).reshape(256, 1, 3)
    # a user colour map looks the one-channel index up in the 3-channel table in one pass:
    # 5x merging three copies of the index and LUT-ing them (0.27 vs 1.34 ms at 640x480)
    return cv2.applyColorMap(index, lut)


def render_texture(record: dict[str, Any], height: int, width: int) -> np.ndarray:
    """Render a texture record (any kind) to an RGB uint8 image of the given size.

    Smooth kinds return their field at a reduced resolution: the colour map is linear in the
    field, so colouring the small field and upsampling the colours linearly equals upsampling
    the field first (up to rounding), at a fraction of the cost.
    """
    field = TEXTURES.get(record["kind"]).field(record, height, width)
    rgb = colorize(field, record["color_a"], record["color_b"])
    if rgb.shape[:2] != (height, width):
        rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_LINEAR)
    return rgb


def upsample(grid: np.ndarray, height: int, width: int) -> np.ndarray:
    """Smoothly upsample a low-resolution float32 grid to ``height x width``."""
    return cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
