"""Contract of an asset kind, and the raster every kind produces.

An asset kind is one module: a ``Params`` model (with ``kind: Literal[...]``), ``describe`` (the
classes and keypoint names it can produce), ``sample`` (plan time: which glyph, file or shape,
JSON-able) and ``raster`` (render time, deterministic and cached: the pixels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import cv2
import numpy as np

from renderer.registry import Registry
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel


@dataclass(frozen=True)
class AssetRaster:
    """Pixels of one asset in its own frame (read-only arrays).

    Attributes:
        alpha: (h, w) uint8 coverage, 255 = opaque.
        rgb: (h, w, 3) uint8 colours premultiplied by alpha, or None when the material fills it.
        keypoints: (k, 2) float32 pixel coordinates (x, y) in this raster's frame.
    """

    alpha: np.ndarray
    rgb: np.ndarray | None
    keypoints: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.alpha.shape[1], self.alpha.shape[0]


@dataclass(frozen=True)
class AssetInfo:
    """What a layer's asset can produce: class names and, per class, keypoint names."""

    classes: tuple[str, ...]
    keypoint_names: dict[str, tuple[str, ...]] = field(default_factory=dict)


class AssetKind(Protocol):
    """Contract of an asset kind (see ``shape`` for a complete example)."""

    Params: type[SpecModel]

    @staticmethod
    def describe(params: Any, ctx: SceneContext) -> AssetInfo: ...

    @staticmethod
    def sample(params: Any, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]: ...

    @staticmethod
    def raster(record: dict[str, Any], size_px: int, ctx: SceneContext) -> AssetRaster: ...


ASSETS: Registry[AssetKind] = Registry("asset kind")


def mip_size(size_px: float, lo: int = 16, hi: int = 2048) -> int:
    """Power-of-two raster size >= ``size_px``: warps then only shrink by at most 2x (no aliasing)."""
    size = lo
    while size < size_px and size < hi:
        size *= 2
    return size


def freeze(*arrays: np.ndarray | None) -> None:
    """Make cached arrays read-only so no caller can corrupt the cache."""
    for array in arrays:
        if array is not None:
            array.setflags(write=False)


def shrink(raster: AssetRaster, size_px: int) -> AssetRaster:
    """Downscale a raster (area filter) so its longest side is the mip size above ``size_px``."""
    w, h = raster.size
    target = mip_size(size_px)
    if max(w, h) <= target:
        return raster
    f = target / max(w, h)
    dsize = (max(1, round(w * f)), max(1, round(h * f)))
    alpha = cv2.resize(raster.alpha, dsize, interpolation=cv2.INTER_AREA)
    rgb = None if raster.rgb is None else cv2.resize(raster.rgb, dsize, interpolation=cv2.INTER_AREA)
    keypoints = (raster.keypoints * np.float32(f)).astype(np.float32)
    freeze(alpha, rgb, keypoints)
    return AssetRaster(alpha, rgb, keypoints)
