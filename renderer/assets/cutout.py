"""User RGBA cutouts (and templates such as sign pictograms) from a folder.

Layout: ``<dir>/<class>/<name>.png``; the class is the folder name. An optional sidecar
``<name>.json`` gives keypoints in the image's pixel coordinates::

    {"keypoints": [[12.5, 3.0], [40.0, 41.5]], "names": ["top", "center"]}

YAML::

    asset:
      kind: cutout
      dir: builtin:signs        # or a folder relative to the spec
      classes: ["14", "17"]     # optional subset, default: every sub-folder
      balance: classes          # draw a class first, then a file (or: files)
      stroke: {dist: choice, values: [-0.016, -0.008, 0, 0.008]}  # optional, see below

``stroke`` varies the weight of a pictogram's strokes, as designs, prints and wear of real
signs and labels vary: the image's light parts grow (> 0) or its dark parts grow (< 0) by that
fraction of the cutout's longest side (a grey-level dilation or erosion inside its alpha, which
stays as it is; 0.008 of a 256 px template is 2 px). It applies to every file of the folder.
Keep the drawn weight (0) among the values: on the signs scene a uniform range, which almost
never draws it, trained a worse classifier than this choice (docs/real-data/tuning-signs.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np
from PIL import Image

from renderer.asset_pools import SkippedAsset, register_pool, usable_files
from renderer.assets.base import ASSETS, AssetInfo, AssetRaster, freeze, mip_size, shrink
from renderer.image_files import read_image
from renderer.scene_context import AssetError, SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.params import FloatParam

IMAGE_SUFFIXES = (".png", ".webp", ".tif", ".tiff")
ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")


class CutoutParams(SpecModel):
    """Folder of class sub-folders, optional class subset, and how to draw among files."""

    kind: Literal["cutout"] = "cutout"
    dir: str
    classes: tuple[str, ...] | None = None
    balance: Literal["classes", "files"] = "classes"
    stroke: FloatParam(ge=-0.25, le=0.25) | None = None


@dataclass(frozen=True)
class CutoutIndex:
    """Usable files per class (references as the spec names them) and the files left out."""

    files: dict[str, tuple[str, ...]]
    skipped: tuple[SkippedAsset, ...]


@lru_cache(maxsize=64)
def _index(params: CutoutParams, ctx: SceneContext) -> CutoutIndex:
    """The pool: every file of every class, each decoded once here (see ``usable_files``).

    A class whose files are all bad is an error even with ``skip_bad_assets``: dropping it would
    shift the class indices of the others.
    """
    root = ctx.resolve(params.dir, "cutout folder")
    if not root.is_dir():
        raise AssetError(f"cutout folder {params.dir!r} is not a folder")
    found = {p.name: p for p in sorted(root.iterdir()) if p.is_dir()}
    wanted = params.classes if params.classes is not None else tuple(found)
    files: dict[str, tuple[str, ...]] = {}
    skipped: list[SkippedAsset] = []
    prefix = params.dir.rstrip("/")
    for cls in wanted:
        if cls not in found:
            raise AssetError(f"cutout folder {params.dir!r} has no class folder {cls!r}")
        names = sorted(p.name for p in found[cls].iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not names:
            raise AssetError(f"cutout class folder {prefix}/{cls} holds no image")
        pool = usable_files(f"cutout class folder {prefix}/{cls}",
                            (f"{prefix}/{cls}/{name}" for name in names),
                            lambda ref: _load(ref, ctx), ctx)
        files[cls] = pool.files
        skipped.extend(pool.skipped)
    if not files:
        raise AssetError(f"cutout folder {params.dir!r} has no class sub-folders")
    return CutoutIndex(files, tuple(skipped))


@register_pool(CutoutParams)
def _skipped(params: CutoutParams, ctx: SceneContext) -> tuple[SkippedAsset, ...]:
    return _index(params, ctx).skipped


def _require_alpha(ref: str, im: Image.Image) -> None:
    """Refuse images without transparency: their box would be the whole rectangle."""
    if im.mode in ALPHA_MODES or (im.mode in ("P", "L", "RGB") and "transparency" in im.info):
        return
    raise AssetError(f"cutout {ref!r} has no alpha channel (mode {im.mode}); save it as RGBA PNG")


def _keypoints(path: Path, ref: str) -> tuple[np.ndarray, tuple[str, ...]]:
    sidecar = path.with_suffix(".json")
    if not sidecar.exists():
        return np.zeros((0, 2), np.float32), ()
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        points = np.asarray(data["keypoints"], dtype=np.float32).reshape(-1, 2)
        names = tuple(str(n) for n in data.get("names", [f"kp{i}" for i in range(len(points))]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AssetError(f"keypoint sidecar {ref!r} is malformed: {exc}") from None
    if len(names) != len(points):
        raise AssetError(f"keypoint sidecar {ref!r}: {len(names)} names for {len(points)} points")
    return points, names


@ASSETS.register("cutout")
class Cutout:
    """RGBA cutout asset."""

    Params = CutoutParams

    @staticmethod
    def describe(params: CutoutParams, ctx: SceneContext) -> AssetInfo:
        index = _index(params, ctx).files
        names: dict[str, tuple[str, ...]] = {}
        for cls, files in index.items():
            longest: tuple[str, ...] = ()
            for ref in files:
                kp_names = _keypoints(ctx.resolve(ref, "cutout"), ref)[1]
                longest = kp_names if len(kp_names) > len(longest) else longest
            names[cls] = longest
        return AssetInfo(tuple(index), names)

    @staticmethod
    def sample(params: CutoutParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        index = _index(params, ctx).files
        if params.balance == "classes":
            cls = list(index)[int(rng.integers(len(index)))]
            ref = index[cls][int(rng.integers(len(index[cls])))]
        else:
            pairs = [(c, f) for c, files in index.items() for f in files]
            cls, ref = pairs[int(rng.integers(len(pairs)))]
        record: dict[str, Any] = {"kind": "cutout", "class_name": cls, "file": ref}
        if params.stroke is not None:  # drawn only when asked: other specs keep their bytes
            record["stroke"] = float(params.stroke.sample(rng))
        return record

    @staticmethod
    def raster(record: dict[str, Any], size_px: int, ctx: SceneContext) -> AssetRaster:
        ref = record["file"]
        if not record.get("stroke"):
            return shrink(_load(ref, ctx), size_px)
        target = mip_size(size_px)
        return restroke(_load(ref, ctx), record["stroke"],
                        lambda radius: _grown(ref, ctx, radius, target))


def grow(raster: AssetRaster, radius: int) -> AssetRaster:
    """``raster`` with its light (``radius`` > 0) or dark (< 0) parts grown by ``|radius|`` whole
    pixels inside its alpha. Colours are un-premultiplied first, and the transparent surround takes
    the value the operation ignores, so it neither bleeds in nor grows."""
    if radius == 0 or raster.rgb is None:
        return raster
    alpha = raster.alpha[..., None].astype(np.float32)
    straight = np.where(alpha > 0, raster.rgb * (255 / np.maximum(alpha, 1)), 0)
    straight = np.clip(np.round(straight), 0, 255).astype(np.uint8)
    straight[raster.alpha == 0] = 0 if radius > 0 else 255
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(radius) + 1,) * 2)
    grown = cv2.dilate(straight, kernel) if radius > 0 else cv2.erode(straight, kernel)
    rgb = (grown.astype(np.uint16) * raster.alpha[..., None] // 255).astype(np.uint8)
    freeze(rgb)
    return AssetRaster(raster.alpha, rgb, raster.keypoints)


@lru_cache(maxsize=1024)
def _grown(ref: str, ctx: SceneContext, radius: int, target: int) -> AssetRaster:
    """``grow`` of a file, shrunk to the mip size ``target`` and cached: a scene blends a few
    whole radii per file (premultiplying and the area filter are linear, so blending after the
    shrink gives what blending before it would)."""
    return shrink(grow(_load(ref, ctx), radius), target)


def restroke(raster: AssetRaster, stroke: float,
             grown: Callable[[int], AssetRaster] | None = None) -> AssetRaster:
    """``raster`` with its light (``stroke`` > 0) or dark (< 0) parts grown by ``|stroke|`` of its
    longest side; a fractional pixel count blends the two nearest whole-pixel results.

    ``grown(radius)`` gives ``grow(raster, radius)``, or a cached, shrunk copy of it.
    """
    grown = grown or (lambda radius: grow(raster, radius))
    pixels = abs(stroke) * max(raster.size)
    whole, frac = int(pixels), pixels - int(pixels)
    sign = 1 if stroke > 0 else -1
    near = grown(sign * whole)
    if frac == 0 or near.rgb is None:
        return near
    far = grown(sign * (whole + 1))
    rgb = cv2.addWeighted(near.rgb, 1 - frac, far.rgb, frac, 0)
    freeze(rgb)
    return AssetRaster(near.alpha, rgb, near.keypoints)


@lru_cache(maxsize=256)
def _load(ref: str, ctx: SceneContext) -> AssetRaster:
    path = ctx.resolve(ref, "cutout")
    rgba = read_image(path, ref, "cutout", "RGBA", inspect=lambda im: _require_alpha(ref, im))
    alpha = np.ascontiguousarray(rgba[..., 3])
    ys, xs = np.nonzero(alpha)
    if len(xs) == 0:
        raise AssetError(f"cutout {ref!r} is fully transparent")
    # Crop to the opaque extent so the pose's size means the object's size, not its padding.
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    rgba = rgba[y0:y1, x0:x1]
    alpha = np.ascontiguousarray(rgba[..., 3])
    rgb = (rgba[..., :3].astype(np.uint16) * alpha[..., None] // 255).astype(np.uint8)
    keypoints, _ = _keypoints(path, ref)
    keypoints = (keypoints - np.array([x0, y0], np.float32)).astype(np.float32)
    freeze(alpha, rgb, keypoints)
    return AssetRaster(alpha, rgb, keypoints)
