"""Procedural shapes, anti-aliased at any size, with corner/centre keypoints.

Shapes are vector outlines rasterised with sub-pixel precision at the mip size of the object, so
they stay sharp at any scale. The class of each object is the shape's name.

YAML::

    asset:
      kind: shape
      shapes: {circle: 1, star: 2, arrow: 1}   # or a list, or one name
      sides: [5, 8]          # regular polygon
      points: 5              # star
      inner_ratio: [0.35, 0.6]
      aspect: [0.5, 1.0]     # height / width of ellipse, rectangle, rounded_rectangle
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal

import cv2
import numpy as np

from renderer.assets.base import ASSETS, AssetInfo, AssetRaster, freeze, mip_size
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.params import FloatParam, IntParam, NamesParam

Outline = tuple[list[np.ndarray], list[np.ndarray], np.ndarray]  # fills, holes, keypoints
_SUBPIXEL_BITS = 4


def _circle_points(n: int, radius: float = 0.5, phase: float = -np.pi / 2) -> np.ndarray:
    t = phase + 2 * np.pi * np.arange(n) / n
    return np.stack([0.5 + radius * np.cos(t), 0.5 + radius * np.sin(t)], axis=1)


def _circle(r: dict[str, Any]) -> Outline:
    return [_circle_points(256)], [], np.array([[0.5, 0.5]])


def _ellipse(r: dict[str, Any]) -> Outline:
    return [_circle_points(256)], [], np.array([[0.5, 0.5], [1, 0.5], [0.5, 0], [0, 0.5], [0.5, 1]])


def _rectangle(r: dict[str, Any]) -> Outline:
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    return [corners], [], np.vstack([[0.5, 0.5], corners])


def _rounded_rectangle(r: dict[str, Any]) -> Outline:
    rad = r["corner_radius"] * 0.5
    arcs = []
    for cx, cy, start in ((1 - rad, rad, -90), (1 - rad, 1 - rad, 0), (rad, 1 - rad, 90),
                          (rad, rad, 180)):
        t = np.radians(start + np.linspace(0, 90, 16))
        arcs.append(np.stack([cx + rad * np.cos(t), cy + rad * np.sin(t)], axis=1))
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    return [np.vstack(arcs)], [], np.vstack([[0.5, 0.5], corners])


def _triangle(r: dict[str, Any]) -> Outline:
    v = np.array([[0.5, 0.0], [1.0, 1.0], [0.0, 1.0]])
    return [v], [], np.vstack([[0.5, 2 / 3], v])


def _polygon(r: dict[str, Any]) -> Outline:
    v = _circle_points(r["sides"])
    pad = np.full((r["max_sides"] - r["sides"], 2), np.nan)  # absent corners: keypoint v=0
    return [v], [], np.vstack([[0.5, 0.5], v, pad])


def _star(r: dict[str, Any]) -> Outline:
    n = r["points"]
    outer = _circle_points(n)
    inner = _circle_points(n, 0.5 * r["inner_ratio"], -np.pi / 2 + np.pi / n)
    v = np.empty((2 * n, 2))
    v[0::2], v[1::2] = outer, inner
    pad = np.full((r["max_points"] - n, 2), np.nan)
    return [v], [], np.vstack([[0.5, 0.5], outer, pad])


def _ring(r: dict[str, Any]) -> Outline:
    inner = _circle_points(256, 0.5 * (1 - r["thickness"]))
    return [_circle_points(256)], [inner], np.array([[0.5, 0.5]])


def _cross(r: dict[str, Any]) -> Outline:
    a, b = 0.5 - r["thickness"] / 2, 0.5 + r["thickness"] / 2
    v = np.array([[a, 0], [b, 0], [b, a], [1, a], [1, b], [b, b], [b, 1], [a, 1], [a, b],
                  [0, b], [0, a], [a, a]])
    return [v], [], np.array([[0.5, 0.5], [0.5, 0], [1, 0.5], [0.5, 1], [0, 0.5]])


def _arrow(r: dict[str, Any]) -> Outline:
    a, b = 0.5 - r["thickness"] / 3, 0.5 + r["thickness"] / 3
    v = np.array([[0, a], [0.55, a], [0.55, 0.1], [1, 0.5], [0.55, 0.9], [0.55, b], [0, b]])
    return [v], [], np.array([[0.5, 0.5], [1, 0.5], [0, 0.5]])


# name -> (outline builder, keypoint names, aspect (h/w) source)
_SHAPES: dict[str, tuple[Callable[[dict[str, Any]], Outline], tuple[str, ...]]] = {
    "circle": (_circle, ("center",)),
    "ellipse": (_ellipse, ("center", "right", "top", "left", "bottom")),
    "rectangle": (_rectangle, ("center", "top_left", "top_right", "bottom_right", "bottom_left")),
    "rounded_rectangle": (_rounded_rectangle,
                          ("center", "top_left", "top_right", "bottom_right", "bottom_left")),
    "triangle": (_triangle, ("center", "apex", "bottom_right", "bottom_left")),
    "polygon": (_polygon, ()),  # centre + one per corner, named at describe time
    "star": (_star, ()),
    "ring": (_ring, ("center",)),
    "cross": (_cross, ("center", "top", "right", "bottom", "left")),
    "arrow": (_arrow, ("center", "tip", "tail")),
}
SHAPE_NAMES = tuple(_SHAPES)
_STRETCHED = ("ellipse", "rectangle", "rounded_rectangle")


class ShapeParams(SpecModel):
    """Which shapes to draw and the ranges of their free parameters (see module docstring)."""

    kind: Literal["shape"] = "shape"
    shapes: NamesParam(SHAPE_NAMES) = list(SHAPE_NAMES)
    sides: IntParam(ge=3, le=16) = [5, 8]
    points: IntParam(ge=3, le=16) = [4, 7]
    inner_ratio: FloatParam(ge=0.05, le=0.95) = [0.35, 0.6]
    aspect: FloatParam(ge=0.05, le=20) = [0.5, 1.0]
    corner_radius: FloatParam(ge=0, le=1) = [0.15, 0.5]
    thickness: FloatParam(ge=0.05, le=0.95) = [0.25, 0.45]


def _corner_names(prefix: str, n: int) -> tuple[str, ...]:
    return ("center", *(f"{prefix}{i}" for i in range(n)))


@ASSETS.register("shape")
class Shape:
    """Procedural shape asset."""

    Params = ShapeParams

    @staticmethod
    def describe(params: ShapeParams, ctx: SceneContext) -> AssetInfo:
        names = {}
        for shape in params.shapes.names:
            kp = _SHAPES[shape][1]
            if shape == "polygon":
                kp = _corner_names("corner", int(params.sides.bounds()[1]))
            elif shape == "star":
                kp = _corner_names("tip", int(params.points.bounds()[1]))
            names[shape] = kp
        return AssetInfo(tuple(params.shapes.names), names)

    @staticmethod
    def sample(params: ShapeParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        shape = params.shapes.sample(rng)
        record: dict[str, Any] = {"kind": "shape", "class_name": shape, "shape": shape}
        if shape == "polygon":
            record.update(sides=int(params.sides.sample(rng)), max_sides=int(params.sides.bounds()[1]))
        elif shape == "star":
            record.update(points=int(params.points.sample(rng)),
                          max_points=int(params.points.bounds()[1]),
                          inner_ratio=float(params.inner_ratio.sample(rng)))
        elif shape in ("ring", "cross", "arrow"):
            record["thickness"] = float(params.thickness.sample(rng))
        if shape in _STRETCHED:
            record["aspect"] = float(params.aspect.sample(rng))
        if shape == "rounded_rectangle":
            record["corner_radius"] = float(params.corner_radius.sample(rng))
        return record

    @staticmethod
    def raster(record: dict[str, Any], size_px: int, ctx: SceneContext) -> AssetRaster:
        key = tuple(sorted((k, v) for k, v in record.items() if k != "class_name"))
        return _rasterize(key, mip_size(size_px))


@lru_cache(maxsize=256)
def _rasterize(key: tuple[tuple[str, Any], ...], size: int) -> AssetRaster:
    record = dict(key)
    fills, holes, keypoints = _SHAPES[record["shape"]][0](record)
    width, height = size, max(1, round(size * record.get("aspect", 1.0)))
    scale = np.array([width, height], float)
    alpha = np.zeros((height, width), np.uint8)

    def draw(polys: list[np.ndarray], value: int) -> None:
        if polys:
            pts = [np.round(p * scale * (1 << _SUBPIXEL_BITS)).astype(np.int32) for p in polys]
            cv2.fillPoly(alpha, pts, value, cv2.LINE_AA, _SUBPIXEL_BITS)

    draw(fills, 255)
    draw(holes, 0)
    kp = (keypoints * scale).astype(np.float32)
    freeze(alpha, kp)
    return AssetRaster(alpha, None, kp)
