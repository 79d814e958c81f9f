"""Handwritten digits from a pen-trajectory model.

Each digit has a few skeleton allographs (``handwriting_templates``): strokes through control
points in a unit-height box. A sample of handwriting is the skeleton moved by the writer's hand:

1. per-control-point jitter (an unsteady hand), gaps or overshoot where loops close;
2. smooth curves through the points (centripetal Catmull-Rom, sharp at marked corners);
3. proportions (where the waist of an 8 or the bar of a 4 sits), a smooth random elastic field,
   aspect, slant (shear) and rotation;
4. a round pen whose width follows a smooth pressure profile along each stroke;
5. anti-aliased rasterisation on a supersampled canvas, area downsampling, optional edge
   softness, sometimes a coarse capture (a low-resolution scan enlarged again) and the ink's
   peak intensity.

``sample_style`` makes every draw (scalars, plus a ``detail_seed`` replayed for the many-valued
ones); ``render_handwritten`` is deterministic given the style. The pair is the plan / render
split of an asset kind.

YAML (as an asset of a classification scene)::

    asset:
      kind: handwriting
      digits: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
      slant: [-0.3, 0.6]
      width: [0.06, 0.24]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from renderer.assets.handwriting_curves import elastic_warp, stroke_polyline
from renderer.assets.handwriting_templates import TEMPLATES, Allograph

Range = tuple[float, float]
_SHIFT = 4  # fractional bits of the pen positions handed to OpenCV (1/16 px)
_MAX_CANVAS_PX = 160  # supersampled canvas side the supersampling factor aims for


@dataclass(frozen=True)
class HandwritingParams:
    """Ranges (low, high) of every random draw of a handwritten digit; uniform unless noted.

    Attributes:
        jitter: std of each control point's displacement, in digit heights.
        closure: extra (> 0, overshoot) or missing (< 0, gap) length where loops close and
            where strokes end (the pen lifts late or early), in digit heights.
        proportion: moves the middle of the digit along x and y (-: up/left, +: down/right),
            in fractions of the box; a quadratic warp that keeps the box.
        elastic: largest displacement of the smooth random displacement field, in digit heights.
        aspect: width multiplier (log-uniform).
        slant: horizontal shear, dx per unit height upwards (positive leans right).
        rotation: radians, counter-clockwise.
        width: pen width as a fraction of the digit's longer side (log-uniform).
        pressure: relative amplitude of the width variation along a stroke.
        ink: peak ink intensity (1 = 255).
        softness: std of the Gaussian edge blur as a fraction of the digit's longer side
            (log-uniform), so that it does not depend on the rendering size.
        resolution: pixels along the digit's longer side of a coarse capture (log-uniform):
            the digit is area-averaged to that size and enlarged bilinearly, as a low-resolution
            scan or a thumbnail would be.
        coarse_p: probability of a coarse capture (otherwise ``resolution`` is None).
    """

    jitter: Range = (0.0, 0.05)
    closure: Range = (-0.1, 0.15)
    proportion: Range = (-0.2, 0.2)
    elastic: Range = (0.0, 0.12)
    aspect: Range = (0.6, 1.5)
    slant: Range = (-0.3, 0.6)
    rotation: Range = (-0.2, 0.2)
    width: Range = (0.06, 0.24)
    pressure: Range = (0.0, 0.4)
    ink: Range = (0.7, 1.0)
    softness: Range = (0.003, 0.05)
    resolution: Range = (6.0, 24.0)
    coarse_p: float = 0.2


def allographs(digit: str) -> tuple[Allograph, ...]:
    """The skeleton allographs of ``digit`` ("0".."9"); raises KeyError for other strings."""
    if digit not in TEMPLATES:
        raise KeyError(f"no handwriting templates for {digit!r}; known: {''.join(TEMPLATES)}")
    return TEMPLATES[digit]


def _uniform(rng: np.random.Generator, bounds: Range) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def _log_uniform(rng: np.random.Generator, bounds: Range) -> float:
    return float(math.exp(rng.uniform(math.log(bounds[0]), math.log(bounds[1]))))


def sample_style(digit: str, params: HandwritingParams, *, rng: np.random.Generator
                 ) -> dict[str, Any]:
    """Draw the style of one handwritten ``digit``: every random choice, JSON-able.

    Args:
        digit: "0".."9".
        params: ranges of the draws.
        rng: the only source of randomness.

    Returns:
        ``allograph`` (index into the digit's templates), the scalars named as in
        ``HandwritingParams`` (``proportion`` is an ``[x, y]`` pair) and ``detail_seed``, the
        seed of the per-point jitter, elastic field and pressure profiles.
    """
    forms = allographs(digit)
    weights = np.array([form.weight for form in forms], np.float64)
    return {
        "allograph": int(rng.choice(len(forms), p=weights / weights.sum())),
        "jitter": _uniform(rng, params.jitter),
        "closure": _uniform(rng, params.closure),
        "proportion": [_uniform(rng, params.proportion), _uniform(rng, params.proportion)],
        "elastic": _uniform(rng, params.elastic),
        "aspect": _log_uniform(rng, params.aspect),
        "slant": _uniform(rng, params.slant),
        "rotation": _uniform(rng, params.rotation),
        "width": _log_uniform(rng, params.width),
        "pressure": _uniform(rng, params.pressure),
        "ink": _uniform(rng, params.ink),
        "softness": _log_uniform(rng, params.softness),
        "resolution": (_log_uniform(rng, params.resolution)
                       if rng.uniform() < params.coarse_p else None),
        "detail_seed": int(rng.integers(0, 2**63 - 1)),
    }


def _trajectories(form: Allograph, style: dict[str, Any], detail: np.random.Generator
                  ) -> list[np.ndarray]:
    """Pen paths of every stroke, (n, 2) float64 in unit-height coordinates, hand applied."""
    paths = [stroke_polyline(stroke, style["jitter"], style["closure"], rng=detail)
             for stroke in form.strokes]
    joined = np.concatenate(paths)
    lo, hi = joined.min(axis=0), joined.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    bend = np.asarray(style["proportion"], np.float64)
    height = span[1]
    moved = []
    for path in paths:
        rel = (path - lo) / span  # 0..1 in the box; the warp keeps the corners of the box
        rel = rel + 4 * bend * rel * (1 - rel)  # slope 1 +- 4 bend: keep |bend| well under 0.25
        moved.append(lo + rel * span)
    moved = elastic_warp(moved, style["elastic"] * height, rng=detail)
    slant, angle, aspect = style["slant"], style["rotation"], style["aspect"]
    cos, sin = math.cos(angle), math.sin(angle)
    # y grows downwards: a right lean moves the top (small y) to the right
    linear = np.array([[cos, sin], [-sin, cos]]) @ np.array([[aspect, -slant], [0.0, 1.0]])
    centre = lo + span / 2
    return [(path - centre) @ linear.T for path in moved]


def _pen_radii(path: np.ndarray, pressure: float, detail: np.random.Generator) -> np.ndarray:
    """Relative pen radius at each point of ``path``: 1 +- a smooth pressure wave."""
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    cycles, phase = detail.uniform(0.5, 2.0), detail.uniform(0, 2 * math.pi)
    level = 1 + pressure * detail.uniform(-0.5, 0.5)
    return level + pressure * np.sin(2 * math.pi * cycles * arc / max(arc[-1], 1e-6) + phase)


def _coarse(image: np.ndarray, factor: float) -> np.ndarray:
    """``image`` captured at ``factor`` (< 1) of its resolution and enlarged back (bilinear)."""
    h, w = image.shape
    small = cv2.resize(image, (max(1, round(w * factor)), max(1, round(h * factor))),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def render_handwritten(digit: str, style: dict[str, Any], size_px: int) -> np.ndarray:
    """Rasterise ``digit`` in ``style``: deterministic, tightly cropped ink coverage.

    Args:
        digit: "0".."9".
        style: a ``sample_style`` record.
        size_px: the longer side of the ink's extent, in pixels.

    Returns:
        (h, w) uint8 ink coverage (255 = full ink) with max(h, w) close to ``size_px``.
    """
    form = allographs(digit)[style["allograph"]]
    detail = np.random.default_rng(style["detail_seed"])
    paths = _trajectories(form, style, detail)
    joined = np.concatenate(paths)
    skeleton_side = float(max(np.ptp(joined[:, 0]), np.ptp(joined[:, 1]), 1e-6))
    half_pen = style["width"] * skeleton_side / 2  # nominal pen radius, unit-height coordinates
    reach = [half_pen * np.maximum(_pen_radii(path, style["pressure"], detail), 0.05)
             for path in paths]
    lo = np.min([(path - r[:, None]).min(axis=0) for path, r in zip(paths, reach, strict=True)], 0)
    hi = np.max([(path + r[:, None]).max(axis=0) for path, r in zip(paths, reach, strict=True)], 0)
    supersample = int(np.clip(math.ceil(_MAX_CANVAS_PX / max(size_px, 1)), 1, 4))
    scale = size_px * supersample / float(max(hi - lo))  # the pen's outline spans size_px
    blur = style["softness"] * size_px  # Gaussian std, output pixels
    margin = (2 + 3 * blur) * supersample
    width_px, height_px = np.ceil(((hi - lo) * scale + 2 * margin) / supersample) * supersample
    canvas = np.zeros((int(height_px), int(width_px)), np.uint8)
    for path, r in zip(paths, reach, strict=True):
        pixels = np.round(((path - lo) * scale + margin) * (1 << _SHIFT)).astype(np.int32)
        thick = np.maximum(1, np.round(2 * r * scale)).astype(int)
        for k in range(len(pixels) - 1):
            cv2.line(canvas, tuple(pixels[k]), tuple(pixels[k + 1]), 255, int(thick[k]),
                     cv2.LINE_AA, _SHIFT)
    small = cv2.resize(canvas, (canvas.shape[1] // supersample, canvas.shape[0] // supersample),
                       interpolation=cv2.INTER_AREA)
    if blur > 0:  # after the area filter: the same blur at a fraction of the cost
        small = cv2.GaussianBlur(small, (0, 0), blur)
    if style["resolution"] is not None and style["resolution"] < max(small.shape):
        small = _coarse(small, style["resolution"] / max(small.shape))
    ink = np.round(small.astype(np.float32) * style["ink"]).astype(np.uint8)
    ys, xs = np.nonzero(ink)
    if len(xs) == 0:
        return np.zeros((1, 1), np.uint8)
    return np.ascontiguousarray(ink[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1])
