"""Rasterise a handwriting style: the deterministic half of the ``handwriting`` asset kind.

The pen paths of the allograph are moved by the writer's hand (jitter, pen lifts, proportions, a
smooth elastic field, aspect, slant, rotation), then drawn with a round pen whose width follows a
pressure profile, anti-aliased on a supersampled canvas and area-downsampled. The result is ink
coverage only: ink colour, blur and capture resolution belong to the scene (material, effects).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import cv2
import numpy as np

from renderer.assets.handwriting_curves import elastic_warp, stroke_polyline
from renderer.assets.handwriting_templates import TEMPLATES, Allograph

_SHIFT = 4  # fractional bits of the pen positions handed to OpenCV (1/16 px)
_MAX_CANVAS_PX = 160  # supersampled canvas side the supersampling factor aims for
_MIN_PEN_RADIUS = 0.05  # relative radius a pressure dip may not go below (the pen stays down)


def allographs(digit: str) -> tuple[Allograph, ...]:
    """The skeleton allographs of ``digit`` ("0".."9"); raises KeyError for other strings."""
    if digit not in TEMPLATES:
        raise KeyError(f"no handwriting templates for {digit!r}; known: {''.join(TEMPLATES)}")
    return TEMPLATES[digit]


def _trajectories(form: Allograph, style: dict[str, Any], detail: np.random.Generator
                  ) -> list[np.ndarray]:
    """Pen paths of every stroke, (n, 2) float64 in unit-height coordinates, hand applied."""
    paths = [stroke_polyline(stroke, style["jitter"], style["closure"], rng=detail)
             for stroke in form.strokes]
    lift = style.get("lift", 0.0)  # styles planned before ``lift`` existed have none
    if lift > 0:  # drawn only when asked, so lift-free styles replay the same detail stream
        paths = paths[:1] + [_misplace(path, lift, detail) for path in paths[1:]]
    joined = np.concatenate(paths)
    lo, hi = joined.min(axis=0), joined.max(axis=0)
    span = np.maximum(hi - lo, 1e-6)
    bend = np.asarray(style["proportion"], np.float64)
    moved = []
    for path in paths:
        rel = (path - lo) / span  # 0..1 in the box; the warp keeps the corners of the box
        rel = rel + 4 * bend * rel * (1 - rel)  # slope 1 +- 4 bend: keep |bend| under 0.25
        moved.append(lo + rel * span)
    moved = elastic_warp(moved, style["elastic"] * span[1], rng=detail)
    slant, aspect = style["slant"], style["aspect"]
    angle = math.radians(style["rotation"])
    cos, sin = math.cos(angle), math.sin(angle)
    # y grows downwards: a right lean moves the top (small y) to the right, and a positive
    # (counter-clockwise on screen) rotation turns +x towards -y
    linear = np.array([[cos, sin], [-sin, cos]]) @ np.array([[aspect, -slant], [0.0, 1.0]])
    centre = lo + span / 2
    return [(path - centre) @ linear.T for path in moved]


def _misplace(path: np.ndarray, lift: float, detail: np.random.Generator) -> np.ndarray:
    """``path`` moved as the hand moves between pen lifts: shifted by ``lift`` (std, unit
    heights) per axis and turned about its centre by ``2 * lift`` radians (std)."""
    shift = detail.normal(0.0, lift, 2)
    angle = float(detail.normal(0.0, 2 * lift))
    cos, sin = math.cos(angle), math.sin(angle)
    centre = path.mean(axis=0)
    return (path - centre) @ np.array([[cos, sin], [-sin, cos]]) + centre + shift


def _pen_radii(path: np.ndarray, pressure: float, detail: np.random.Generator) -> np.ndarray:
    """Relative pen radius at each point of ``path``: 1 +- a smooth pressure wave."""
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    cycles, phase = detail.uniform(0.5, 2.0), detail.uniform(0, 2 * math.pi)
    level = 1 + pressure * detail.uniform(-0.5, 0.5)
    wave = level + pressure * np.sin(2 * math.pi * cycles * arc / max(arc[-1], 1e-6) + phase)
    return np.maximum(wave, _MIN_PEN_RADIUS)


def render_handwritten(digit: str, style: dict[str, Any], size_px: int) -> np.ndarray:
    """Rasterise ``digit`` in ``style``: deterministic, tightly cropped ink coverage.

    Args:
        digit: "0".."9".
        style: a ``sample_style`` record (see ``renderer.assets.handwriting``).
        size_px: the longer side of the ink's extent, in pixels (>= 1).

    Returns:
        (h, w) uint8 ink coverage (255 = full ink) with max(h, w) close to ``size_px``.
    """
    form = allographs(digit)[style["allograph"]]
    detail = np.random.default_rng(style["detail_seed"])
    paths = _trajectories(form, style, detail)
    joined = np.concatenate(paths)
    skeleton_side = float(max(np.ptp(joined[:, 0]), np.ptp(joined[:, 1]), 1e-6))
    half_pen = style["width"] * skeleton_side / 2  # nominal pen radius, unit-height coordinates
    reach = [half_pen * _pen_radii(path, style["pressure"], detail) for path in paths]
    lo = np.min([(path - r[:, None]).min(axis=0) for path, r in zip(paths, reach, strict=True)], 0)
    hi = np.max([(path + r[:, None]).max(axis=0) for path, r in zip(paths, reach, strict=True)], 0)
    size_px = max(int(size_px), 1)
    supersample = int(np.clip(math.ceil(_MAX_CANVAS_PX / size_px), 1, 4))
    scale = size_px * supersample / float(max(hi - lo))  # the pen's outline spans size_px
    margin = 2 * supersample
    width_px, height_px = np.ceil(((hi - lo) * scale + 2 * margin) / supersample) * supersample
    canvas = np.zeros((int(height_px), int(width_px)), np.uint8)
    for path, r in zip(paths, reach, strict=True):
        pixels = np.round(((path - lo) * scale + margin) * (1 << _SHIFT)).astype(np.int32)
        thick = np.maximum(1, np.round(2 * r * scale)).astype(int)[:-1]  # per segment
        # one polyline per run of segments of equal width: far fewer calls than one per segment
        cuts = [0, *(np.nonzero(np.diff(thick))[0] + 1), len(thick)]
        for a, b in itertools.pairwise(cuts):
            cv2.polylines(canvas, [pixels[a: b + 1]], False, 255, int(thick[a]), cv2.LINE_AA,
                          _SHIFT)
    ink = cv2.resize(canvas, (canvas.shape[1] // supersample, canvas.shape[0] // supersample),
                     interpolation=cv2.INTER_AREA)
    ys, xs = np.nonzero(ink)
    if len(xs) == 0:
        return np.zeros((1, 1), np.uint8)
    return np.ascontiguousarray(ink[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1])
