"""Cast shadow: a straight-edged shadow (a building, a pole, another sign) across the frame.

The shadow's edge is a straight line at a random angle; the part of the frame on its far side is
darkened by ``darkness`` (a gain of ``1 - darkness``) and tinted by ``tint`` (shadows are lit by
the blue sky alone, so they read bluer than sunlit surfaces). Unlike the lighting's smooth
directional ramp, the edge can be sharp, as a shadow cast by a nearby object is.

YAML::

    effects:
      - {kind: cast_shadow, darkness: [0.3, 0.7], coverage: [0.2, 0.8], softness: [0, 1.5],
         tint: [0, 0.15], p: 0.25}

``coverage`` is the fraction of the frame's extent (across the edge) that lies in shadow,
``softness`` the edge's width in pixels (Gaussian-like ramp, 0 = hard), ``tint`` the relative
boost of blue over red in the shadow (0 = neutral).
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from renderer.effects.base import EFFECTS, EffectParams
from renderer.spec.params import FloatParam

_HARD_EDGE_PX = 0.35  # a "hard" edge still spans a pixel: anti-aliased like a rasterised line


class CastShadowParams(EffectParams):
    """Shadow strength (0-1), covered fraction (0-1), edge softness (pixels), blue tint (0-1)."""

    kind: Literal["cast_shadow"] = "cast_shadow"
    darkness: FloatParam(ge=0, le=1) = [0.3, 0.7]
    coverage: FloatParam(ge=0, le=1) = [0.2, 0.8]
    softness: FloatParam(ge=0, le=100) = [0, 1.5]
    tint: FloatParam(ge=0, le=1) = 0.0


def shadow_mask(height: int, width: int, angle_deg: float, coverage: float,
                softness: float) -> np.ndarray:
    """(height, width) float32 in [0, 1]: how much of the shadow each pixel receives."""
    c, s = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u = (xs + 0.5) * c + (ys + 0.5) * s
    corners = [x * c + y * s for x in (0, width) for y in (0, height)]
    edge = min(corners) + coverage * (max(corners) - min(corners))
    width_px = max(softness, _HARD_EDGE_PX)
    # A logistic ramp of the signed distance to the edge (pixels): pixels with u < edge are shaded.
    return (1.0 / (1.0 + np.exp(np.clip((u - edge) / (0.6 * width_px), -30, 30)))).astype(
        np.float32)


@EFFECTS.register("cast_shadow")
class CastShadow:
    """Straight-edged shadow across part of the frame."""

    Params = CastShadowParams

    @staticmethod
    def sample(params: CastShadowParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {"angle": float(rng.uniform(0, 360)),
                "darkness": float(params.darkness.sample(rng)),
                "coverage": float(params.coverage.sample(rng)),
                "softness": float(params.softness.sample(rng)),
                "tint": float(params.tint.sample(rng))}

    @staticmethod
    def apply(image: np.ndarray, record: dict[str, Any]) -> np.ndarray:
        height, width = image.shape[:2]
        mask = shadow_mask(height, width, record["angle"], record["coverage"], record["softness"])
        tint = record["tint"]
        shade = np.float32(record["darkness"]) * mask
        # Per-channel gain (R, G, B): the shadowed side loses light, red more than blue.
        gains = np.stack([1 - shade * (1 + tint), 1 - shade, 1 - shade * (1 - tint)], axis=-1)
        return cv2.convertScaleAbs(image.astype(np.float32) * np.clip(gains, 0, None))
