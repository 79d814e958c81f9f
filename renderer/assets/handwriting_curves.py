"""Pen paths of handwriting: smooth curves through jittered control points, and hand warps.

Pure numpy; randomness comes only from the generator passed in (seeded from a style's
``detail_seed``), so a path is the same for the same style on any machine.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from renderer.assets.handwriting_templates import CORNER, Stroke

_SAMPLES_PER_SPAN = 12  # dense enough that a 1-px pen at 160 px per digit stays a smooth line
_WAVES = 3  # sinusoids per axis in the elastic field: low-frequency, hand-like bends
# at most this many cycles per digit height: with amplitudes ~0.05 the field's gradient stays
# well below 1, so it bends strokes without folding them into kinks
_MAX_CYCLES = 1.2
_MAX_TURN = 0.8  # radians a run-on stroke end may veer from the pen's heading


def _catmull_rom(points: np.ndarray, closed: bool) -> np.ndarray:
    """Centripetal Catmull-Rom curve through ``points`` (n, 2); no cusps or self-loops.

    Open curves get mirrored ghost points at both ends, closed ones wrap around and end where
    they start.
    """
    if closed:
        ext = np.vstack([points[-1:], points, points[:2]])
    else:
        ext = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    p0, p1, p2, p3 = ext[:-3], ext[1:-2], ext[2:-1], ext[3:]
    # centripetal knot spacing: sqrt of chord length (epsilon keeps repeated points finite)
    d01 = np.sqrt(np.linalg.norm(p1 - p0, axis=1)) + 1e-9
    d12 = np.sqrt(np.linalg.norm(p2 - p1, axis=1)) + 1e-9
    d23 = np.sqrt(np.linalg.norm(p3 - p2, axis=1)) + 1e-9
    t0 = np.zeros_like(d01)
    t1 = t0 + d01
    t2 = t1 + d12
    t3 = t2 + d23
    frac = np.linspace(0.0, 1.0, _SAMPLES_PER_SPAN, endpoint=False)
    t = (t1[:, None] + frac[None, :] * d12[:, None])[..., None]  # (spans, samples, 1)

    def lerp(a: np.ndarray, b: np.ndarray, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
        ta, tb = ta[:, None, None], tb[:, None, None]
        return ((tb - t) * a[:, None, :] + (t - ta) * b[:, None, :]) / (tb - ta)

    a1, a2, a3 = lerp(p0, p1, t0, t1), lerp(p1, p2, t1, t2), lerp(p2, p3, t2, t3)
    b1 = ((t2[:, None, None] - t) * a1 + (t - t0[:, None, None]) * a2) / (t2 - t0)[:, None, None]
    b2 = ((t3[:, None, None] - t) * a2 + (t - t1[:, None, None]) * a3) / (t3 - t1)[:, None, None]
    curve = ((t2[:, None, None] - t) * b1 + (t - t1[:, None, None]) * b2) / d12[:, None, None]
    last = points[:1] if closed else points[-1:]
    return np.vstack([curve.reshape(-1, 2), last])


def _cut(path: np.ndarray, length: float) -> np.ndarray:
    """The first ``length`` of ``path`` (arc length, same units), ending exactly there."""
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    end = int(np.searchsorted(arc, length))
    if end >= len(path):
        return path
    end = max(end, 1)
    w = (length - arc[end - 1]) / max(arc[end] - arc[end - 1], 1e-12)
    return np.vstack([path[:end], path[end - 1] + w * (path[end] - path[end - 1])])


def stroke_polyline(stroke: Stroke, jitter: float, closure: float, *,
                    rng: np.random.Generator) -> np.ndarray:
    """Dense pen path (n, 2) of one stroke, control points jittered.

    Args:
        stroke: the template stroke (unit-height coordinates).
        jitter: std of each control point's displacement, in digit heights.
        closure: extra (> 0) or missing (< 0) length in unit heights: a closed stroke goes
            round again or leaves a gap, an open one runs on straight or lifts early.
        rng: source of the jitter.
    """
    points = np.array([p[:2] for p in stroke.points], np.float64)
    points = points + rng.normal(0.0, jitter, points.shape)
    retrace, turn = float(rng.uniform(0.0, 1.0)), float(rng.uniform(-_MAX_TURN, _MAX_TURN))
    if stroke.closed:
        loop = _catmull_rom(points, closed=True)
        length = _length(loop)
        if closure < 0:
            return _cut(loop, max(length + closure, 0.2 * length))
        # the pen goes round again for a while, then runs off along its heading
        return _run_on(_cut(np.vstack([loop, loop[1:]]), length + retrace * closure),
                       (1.0 - retrace) * closure, turn)
    corners = [i for i, p in enumerate(stroke.points) if len(p) > 2 and p[2] is CORNER]
    bounds = [0, *(i for i in corners if 0 < i < len(points) - 1), len(points) - 1]
    pieces = [_catmull_rom(points[a: b + 1], closed=False) for a, b in itertools.pairwise(bounds)]
    path = np.vstack([pieces[0], *(piece[1:] for piece in pieces[1:])])
    if closure < 0:
        return _cut(path, max(_length(path) + closure, 0.6 * _length(path)))
    return _run_on(path, closure, turn)


def _length(path: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())


def _run_on(path: np.ndarray, extra: float, turn: float) -> np.ndarray:
    """``path`` run on straight for ``extra`` units (a late lift), its heading turned by ``turn``
    radians: the flick a pen makes as it leaves the paper."""
    if extra <= 0:
        return path
    heading = path[-1] - path[-2]
    heading /= max(float(np.linalg.norm(heading)), 1e-12)
    cos, sin = math.cos(turn), math.sin(turn)
    heading = np.array([cos * heading[0] - sin * heading[1], sin * heading[0] + cos * heading[1]])
    return np.vstack([path, path[-1] + extra * heading])


def elastic_warp(paths: list[np.ndarray], amplitude: float, *,
                 rng: np.random.Generator) -> list[np.ndarray]:
    """Move every path by one smooth random displacement field (sum of low-frequency waves).

    Args:
        paths: (n, 2) point arrays in unit-height coordinates.
        amplitude: typical displacement, same units.
        rng: source of the wave frequencies, phases and weights.
    """
    freqs = rng.uniform(-_MAX_CYCLES, _MAX_CYCLES, (2, _WAVES, 2))  # per unit height
    phases = rng.uniform(0.0, 2 * math.pi, (2, _WAVES))
    weights = rng.uniform(-1.0, 1.0, (2, _WAVES))
    # no displacement exceeds ``amplitude``, so the field's gradient stays bounded too
    weights *= amplitude / np.maximum(np.abs(weights).sum(axis=1, keepdims=True), 1e-12)
    warped = []
    for path in paths:
        waves = np.sin(2 * math.pi * np.einsum("akd,nd->ank", freqs, path) + phases[:, None, :])
        warped.append(path + np.einsum("ank,ak->na", waves, weights))
    return warped
