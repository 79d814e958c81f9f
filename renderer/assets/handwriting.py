"""Handwritten digits from a pen-trajectory model. Each digit is a class.

Each digit has a few skeleton allographs (``handwriting_templates``): strokes through control
points in a unit-height box. A sample of handwriting is the skeleton moved by the writer's hand:

1. per-control-point jitter (an unsteady hand), gaps or overshoot where loops close and strokes
   end, with a flick of the pen as it lifts, and the later strokes of a many-stroke form
   misplaced (the hand moves while the pen is up);
2. smooth curves through the points (centripetal Catmull-Rom, sharp at marked corners);
3. proportions (where the waist of an 8 or the bar of a 4 sits), a smooth random elastic field,
   aspect, slant (shear) and rotation;
4. a round pen whose width follows a smooth pressure profile along each stroke;
5. anti-aliased rasterisation on a supersampled canvas and area downsampling.

The raster is ink coverage (alpha): its colour is the layer's material, and blur, noise or a
coarse capture are the scene's effects. Plan time (``sample``) makes every draw, scalars plus a
``detail_seed`` replayed for the many-valued ones (point jitter, elastic field, pressure); render
time (``raster``) is deterministic.

YAML (as the asset of a classification scene; every range takes a constant or a distribution)::

    asset:
      kind: handwriting
      digits: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]   # or a {digit: weight} map
      slant: [-0.3, 0.6]                           # shear, dx per unit height (+ leans right)
      width: {dist: loguniform, low: 0.06, high: 0.24}   # pen, fraction of the longer side
      rotation: [-10, 10]                          # degrees, counter-clockwise
      elastic: [0.0, 0.12]                         # digit heights
      lift: [0.0, 0.08]                            # later strokes' misplacement, digit heights
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from renderer.assets.base import ASSETS, AssetInfo, AssetRaster, freeze
from renderer.assets.handwriting_render import allographs, render_handwritten
from renderer.assets.handwriting_templates import TEMPLATES
from renderer.rng import child_seed, weighted_index
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.params import FloatParam, NamesParam

DIGITS = tuple(TEMPLATES)


class HandwritingParams(SpecModel):
    """Which digits to write and the ranges of the writer's hand (see the module docstring).

    Attributes:
        digits: the classes, "0".."9" (a list, or a ``{digit: weight}`` map).
        jitter: std of each control point's displacement, in digit heights.
        closure: extra (> 0, overshoot) or missing (< 0, gap) length where loops close and
            strokes end (the pen lifts late or early), in digit heights.
        proportion: moves the middle of the digit along x and y (-: up/left, +: down/right), in
            fractions of the box (drawn once per axis); a quadratic warp that keeps the box.
        elastic: largest displacement of the smooth random displacement field, in digit heights.
        aspect: width multiplier of the skeleton.
        slant: horizontal shear, dx per unit height upwards (positive leans right).
        rotation: degrees, counter-clockwise.
        width: pen width as a fraction of the digit's longer side.
        pressure: relative amplitude of the pen width's variation along a stroke.
        lift: std of where each later stroke of a many-stroke form lands, in digit heights,
            its turn about its centre (radians, twice the std): the hand moves between pen
            lifts, so a 5's bar floats off its body and a 4's stem crosses anywhere.
    """

    kind: Literal["handwriting"] = "handwriting"
    digits: NamesParam(DIGITS) = list(DIGITS)
    jitter: FloatParam(ge=0, le=0.2) = [0.0, 0.05]
    closure: FloatParam(ge=-0.4, le=0.4) = [-0.1, 0.15]
    proportion: FloatParam(ge=-0.24, le=0.24) = [-0.2, 0.2]
    elastic: FloatParam(ge=0, le=0.3) = [0.0, 0.12]
    aspect: FloatParam(ge=0.2, le=5) = {"dist": "loguniform", "low": 0.6, "high": 1.5}
    slant: FloatParam(ge=-1.5, le=1.5) = [-0.3, 0.6]
    rotation: FloatParam(ge=-180, le=180) = [-11.5, 11.5]
    width: FloatParam(ge=0.01, le=0.5) = {"dist": "loguniform", "low": 0.06, "high": 0.24}
    pressure: FloatParam(ge=0, le=0.9) = [0.0, 0.4]
    lift: FloatParam(ge=0, le=0.2) = 0.0


def sample_style(digit: str, params: HandwritingParams, *, rng: np.random.Generator
                 ) -> dict[str, Any]:
    """Draw the style of one handwritten ``digit``: every random choice, JSON-able.

    Args:
        digit: "0".."9".
        params: ranges of the draws (``params.digits`` is not consulted).
        rng: the only source of randomness.

    Returns:
        ``allograph`` (index into the digit's templates), the scalars named as in
        ``HandwritingParams`` (``proportion`` is an ``[x, y]`` pair) and ``detail_seed``, the
        seed of the per-point jitter, elastic field and pressure profiles.
    """
    return {
        "allograph": weighted_index(rng, [form.weight for form in allographs(digit)]),
        "jitter": float(params.jitter.sample(rng)),
        "closure": float(params.closure.sample(rng)),
        "proportion": [float(params.proportion.sample(rng)), float(params.proportion.sample(rng))],
        "elastic": float(params.elastic.sample(rng)),
        "aspect": float(params.aspect.sample(rng)),
        "slant": float(params.slant.sample(rng)),
        "rotation": float(params.rotation.sample(rng)),
        "width": float(params.width.sample(rng)),
        "pressure": float(params.pressure.sample(rng)),
        "lift": float(params.lift.sample(rng)),
        "detail_seed": child_seed(rng),
    }


@ASSETS.register("handwriting")
class Handwriting:
    """Handwritten digit asset (pen-trajectory model)."""

    Params = HandwritingParams

    @staticmethod
    def describe(params: HandwritingParams, ctx: SceneContext) -> AssetInfo:
        return AssetInfo(tuple(params.digits.names))

    @staticmethod
    def sample(params: HandwritingParams, *, rng: np.random.Generator, ctx: SceneContext
               ) -> dict[str, Any]:
        digit = params.digits.sample(rng)
        return {"kind": "handwriting", "class_name": digit, "digit": digit,
                "style": sample_style(digit, params, rng=rng)}

    @staticmethod
    def raster(record: dict[str, Any], size_px: int, ctx: SceneContext) -> AssetRaster:
        # drawn at the object's own size, not a mip level: the pen outline is exact at any size,
        # and plan time and render time ask for the same size, so the cache serves both
        return _raster(record["digit"], json.dumps(record["style"], sort_keys=True), max(size_px, 1))


@lru_cache(maxsize=64)
def _raster(digit: str, style_json: str, size_px: int) -> AssetRaster:
    alpha = render_handwritten(digit, json.loads(style_json), size_px)
    keypoints = np.zeros((0, 2), np.float32)
    freeze(alpha, keypoints)
    return AssetRaster(alpha, None, keypoints)
