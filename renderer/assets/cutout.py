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
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, UnidentifiedImageError

from renderer.assets.base import ASSETS, AssetInfo, AssetRaster, freeze, shrink
from renderer.resources import AssetError, SceneContext
from renderer.spec.base import SpecModel

IMAGE_SUFFIXES = (".png", ".webp", ".tif", ".tiff")
MAX_PIXELS = 64_000_000  # refuse decompression bombs before decoding them


class CutoutParams(SpecModel):
    """Folder of class sub-folders, optional class subset, and how to draw among files."""

    kind: Literal["cutout"] = "cutout"
    dir: str
    classes: tuple[str, ...] | None = None
    balance: Literal["classes", "files"] = "classes"


@lru_cache(maxsize=64)
def _index(params: CutoutParams, ctx: SceneContext) -> dict[str, tuple[str, ...]]:
    root = ctx.resolve(params.dir, "cutout folder")
    if not root.is_dir():
        raise AssetError(f"cutout folder {params.dir!r} is not a folder")
    found = {p.name: p for p in sorted(root.iterdir()) if p.is_dir()}
    wanted = params.classes if params.classes is not None else tuple(found)
    index: dict[str, tuple[str, ...]] = {}
    for cls in wanted:
        if cls not in found:
            raise AssetError(f"cutout folder {params.dir!r} has no class folder {cls!r}")
        files = sorted(p.name for p in found[cls].iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise AssetError(f"cutout class folder {params.dir}/{cls} holds no image")
        for name in files:
            _check_header(found[cls] / name, f"{params.dir}/{cls}/{name}")
        index[cls] = tuple(files)
    if not index:
        raise AssetError(f"cutout folder {params.dir!r} has no class sub-folders")
    return index


def _check_header(path: Path, ref: str) -> None:
    """Reject unusable images from their header alone (cheap: no pixel decoding)."""
    try:
        with Image.open(path) as im:
            mode, (w, h) = im.mode, im.size
            transparency = "transparency" in im.info
    except (UnidentifiedImageError, OSError) as exc:
        raise AssetError(f"cutout {ref!r} is not a readable image: {exc}") from None
    if w == 0 or h == 0:
        raise AssetError(f"cutout {ref!r} is empty ({w}x{h})")
    if w * h > MAX_PIXELS:
        raise AssetError(f"cutout {ref!r} is too large ({w}x{h} > {MAX_PIXELS} pixels)")
    if mode not in ("RGBA", "LA", "PA", "RGBa", "La") and not (mode in ("P", "L", "RGB") and transparency):
        raise AssetError(f"cutout {ref!r} has no alpha channel (mode {mode}); save it as RGBA PNG")


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
        index = _index(params, ctx)
        root = ctx.resolve(params.dir, "cutout folder")
        names: dict[str, tuple[str, ...]] = {}
        for cls, files in index.items():
            longest: tuple[str, ...] = ()
            for name in files:
                kp_names = _keypoints(root / cls / name, f"{params.dir}/{cls}/{name}")[1]
                longest = kp_names if len(kp_names) > len(longest) else longest
            names[cls] = longest
        return AssetInfo(tuple(index), names)

    @staticmethod
    def sample(params: CutoutParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        index = _index(params, ctx)
        if params.balance == "classes":
            cls = list(index)[int(rng.integers(len(index)))]
            name = index[cls][int(rng.integers(len(index[cls])))]
        else:
            pairs = [(c, f) for c, files in index.items() for f in files]
            cls, name = pairs[int(rng.integers(len(pairs)))]
        return {"kind": "cutout", "class_name": cls, "file": f"{params.dir.rstrip('/')}/{cls}/{name}"}

    @staticmethod
    def raster(record: dict[str, Any], size_px: int, ctx: SceneContext) -> AssetRaster:
        return shrink(_load(record["file"], ctx), size_px)


@lru_cache(maxsize=256)
def _load(ref: str, ctx: SceneContext) -> AssetRaster:
    path = ctx.resolve(ref, "cutout")
    _check_header(path, ref)
    try:
        with Image.open(path) as im:
            rgba = np.asarray(im.convert("RGBA"))
    except (OSError, ValueError) as exc:  # truncated or corrupt pixel data
        raise AssetError(f"cutout {ref!r} cannot be decoded: {exc}") from None
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
