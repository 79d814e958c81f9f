"""A linear gradient between two colours (sky, walls lit from one side).

YAML::

    background:
      kind: gradient
      angle: [0, 360]                                  # degrees, direction of increase
      color_a: {hue: [190, 230], saturation: [0.2, 0.6], value: [0.7, 1]}
      color_b: {value: [0.2, 0.5], saturation: [0, 0.2]}
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from renderer.backgrounds.base import BACKGROUNDS
from renderer.scene_context import SceneContext
from renderer.spec.params import FloatParam
from renderer.textures.base import TwoColorParams, colorize, sample_colors


class GradientParams(TwoColorParams):
    """Angle (degrees) and the two end colours."""

    kind: Literal["gradient"] = "gradient"
    angle: FloatParam(ge=-360, le=360) = [0, 360]


@BACKGROUNDS.register("gradient")
class Gradient:
    """Linear-gradient background."""

    Params = GradientParams

    @staticmethod
    def sample(params: GradientParams, *, rng: np.random.Generator,
               ctx: SceneContext) -> dict[str, Any]:
        return {"kind": "gradient", "angle": float(params.angle.sample(rng)),
                **sample_colors(params, rng)}

    @staticmethod
    def render(record: dict[str, Any], height: int, width: int, ctx: SceneContext) -> np.ndarray:
        c, s = np.cos(np.radians(record["angle"])), np.sin(np.radians(record["angle"]))
        along_x = np.linspace(-0.5, 0.5, width, dtype=np.float32)[None, :] * c
        along_y = np.linspace(-0.5, 0.5, height, dtype=np.float32)[:, None] * s
        # rounding is monotonic, so the extremes of the sums are the sums of the extremes: the
        # same numbers without two passes over the frame, normalised in place (0.36 vs 0.48 ms
        # at 640x480)
        low = along_x.min() + along_y.min()
        span = max(float((along_x.max() + along_y.max()) - low), 1e-6)
        t = along_x + along_y
        np.subtract(t, low, out=t)
        np.divide(t, span, out=t)
        return colorize(t.astype(np.float32), record["color_a"], record["color_b"])
