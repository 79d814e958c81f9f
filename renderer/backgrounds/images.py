"""Random crops of photographs from a folder, scaled to the canvas, optionally flipped.

YAML::

    background:
      kind: images
      dir: builtin:backgrounds     # or a folder relative to the spec (searched recursively)
      scale: [0.2, 1.0]            # crop side as a fraction of the largest crop that fits
      flip: 0.5                    # probability of a horizontal flip
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

import cv2
import numpy as np

from renderer.asset_pools import FilePool, SkippedAsset, register_pool, usable_files
from renderer.backgrounds.base import BACKGROUNDS
from renderer.image_files import read_image
from renderer.scene_context import AssetError, SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.params import FloatParam

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".ppm", ".tif", ".tiff")


class ImagesParams(SpecModel):
    """Folder of photographs, crop scale range and flip probability."""

    kind: Literal["images"] = "images"
    dir: str = "builtin:backgrounds"
    scale: FloatParam(ge=0.01, le=1) = [0.2, 1.0]
    flip: FloatParam(ge=0, le=1) = 0.5


@lru_cache(maxsize=32)
def _files(ref: str, ctx: SceneContext) -> FilePool:
    """The pool: every photo under the folder, each decoded once here (see ``usable_files``)."""
    root = ctx.resolve(ref, "background folder")
    if not root.is_dir():
        raise AssetError(f"background folder {ref!r} is not a folder")
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                   if p.suffix.lower() in PHOTO_SUFFIXES)
    if not files:
        raise AssetError(f"background folder {ref!r} holds no image")
    return usable_files(f"background folder {ref!r}", (f"{ref.rstrip('/')}/{f}" for f in files),
                        lambda file: _load(file, ctx), ctx)


@register_pool(ImagesParams)
def _skipped(params: ImagesParams, ctx: SceneContext) -> tuple[SkippedAsset, ...]:
    return _files(params.dir, ctx).skipped


@lru_cache(maxsize=16)
def _load(ref: str, ctx: SceneContext) -> np.ndarray:
    rgb = read_image(ctx.resolve(ref, "background image"), ref, "background image", "RGB")
    rgb.setflags(write=False)
    return rgb


@BACKGROUNDS.register("images")
class Images:
    """Photograph-crop background."""

    Params = ImagesParams

    @staticmethod
    def sample(params: ImagesParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        files = _files(params.dir, ctx).files
        return {
            "kind": "images",
            "file": files[int(rng.integers(len(files)))],
            "scale": float(params.scale.sample(rng)),
            "position": [float(rng.random()), float(rng.random())],
            "flip": bool(rng.random() < float(params.flip.sample(rng))),
        }

    @staticmethod
    def render(record: dict[str, Any], height: int, width: int, ctx: SceneContext) -> np.ndarray:
        photo = _load(record["file"], ctx)
        ph, pw = photo.shape[:2]
        # Largest crop with the canvas's aspect ratio, then scaled down by `scale`.
        fit = min(pw / width, ph / height)
        cw = max(1, int(round(width * fit * record["scale"])))
        ch = max(1, int(round(height * fit * record["scale"])))
        x0 = int(round((pw - cw) * record["position"][0]))
        y0 = int(round((ph - ch) * record["position"][1]))
        crop = photo[y0: y0 + ch, x0: x0 + cw]
        shrinking = cw > width
        out = cv2.resize(crop, (width, height),
                         interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
        return np.ascontiguousarray(out[:, ::-1]) if record["flip"] else out
