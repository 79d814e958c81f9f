"""Checkerboard (tiles, calibration targets), at any cell size and angle.

YAML::

    background: {kind: checker, cell: [8, 64], angle: [0, 90]}
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from renderer.spec.params import FloatParam
from renderer.textures.base import TEXTURES, TwoColorParams, sample_colors
from renderer.textures.periodic import checker_field


class CheckerParams(TwoColorParams):
    """Cell size (pixels) and angle (degrees)."""

    kind: Literal["checker"] = "checker"
    cell: FloatParam(ge=2, le=4096) = [8, 64]
    angle: FloatParam(ge=-360, le=360) = 0


@TEXTURES.register("checker")
class Checker:
    """Checkerboard texture."""

    Params = CheckerParams

    @staticmethod
    def sample(params: CheckerParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "kind": "checker",
            "cell": float(params.cell.sample(rng)),
            "angle": float(params.angle.sample(rng)),
            "offset": [float(rng.uniform(0, 1)), float(rng.uniform(0, 1))],
            **sample_colors(params, rng),
        }

    @staticmethod
    def field(record: dict[str, Any], height: int, width: int) -> np.ndarray:
        return checker_field(height, width, record["cell"], record["angle"], tuple(record["offset"]))
