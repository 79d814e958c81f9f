"""Parallel stripes (fences, road markings, fabric), soft-edged and at any angle.

YAML::

    background: {kind: stripes, period: [8, 40], angle: [0, 180], duty: [0.3, 0.7]}
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from renderer.spec.params import FloatParam
from renderer.textures.base import TEXTURES, TwoColorParams, sample_colors


class StripesParams(TwoColorParams):
    """Stripe period (pixels), angle (degrees) and duty cycle (fraction of ``color_b``)."""

    kind: Literal["stripes"] = "stripes"
    period: FloatParam(ge=2, le=4096) = [8, 40]
    angle: FloatParam(ge=-360, le=360) = [0, 180]
    duty: FloatParam(ge=0, le=1) = 0.5


def oriented_coordinates(height: int, width: int, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates rotated by ``angle_deg``: (u along the angle, v across it), float32."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    c, s = np.cos(np.radians(angle_deg)), np.sin(np.radians(angle_deg))
    return xs * c + ys * s, -xs * s + ys * c


@TEXTURES.register("stripes")
class Stripes:
    """Stripes texture."""

    Params = StripesParams

    @staticmethod
    def sample(params: StripesParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "kind": "stripes",
            "period": float(params.period.sample(rng)),
            "angle": float(params.angle.sample(rng)),
            "duty": float(params.duty.sample(rng)),
            "phase": float(rng.uniform(0, 1)),
            **sample_colors(params, rng),
        }

    @staticmethod
    def field(record: dict[str, Any], height: int, width: int) -> np.ndarray:
        u, _ = oriented_coordinates(height, width, record["angle"])
        t = np.mod(u / record["period"] + record["phase"], 1.0)
        hard = (t < record["duty"]).astype(np.float32)
        return cv2.GaussianBlur(hard, (0, 0), 0.6)  # anti-alias the edges
