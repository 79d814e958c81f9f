"""Parallel stripes (fences, road markings, fabric), soft-edged and at any angle.

YAML::

    background: {kind: stripes, period: [8, 40], angle: [0, 180], duty: [0.3, 0.7]}
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from renderer.spec.params import FloatParam
from renderer.textures.base import TEXTURES, TwoColorParams, sample_colors
from renderer.textures.periodic import stripes_field


class StripesParams(TwoColorParams):
    """Stripe period (pixels), angle (degrees) and duty cycle (fraction of ``color_b``)."""

    kind: Literal["stripes"] = "stripes"
    period: FloatParam(ge=2, le=4096) = [8, 40]
    angle: FloatParam(ge=-360, le=360) = [0, 180]
    duty: FloatParam(ge=0, le=1) = 0.5


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
        return stripes_field(height, width, record["period"], record["angle"], record["duty"],
                             record["phase"])
