"""Haze: the scene fades toward a bright airlight, most at the top of the frame.

Atmospheric scattering adds light in proportion to distance; in a road scene distance grows
toward the horizon and sky, so the veil is ``density`` at the top row and ``density * bottom``
at the bottom row, linear in between. ``airlight`` is the veil's grey level (fraction of 255),
``tint`` shifts it toward blue (> 0) or yellow (< 0).

YAML::

    effects:
      - {kind: haze, density: [0.05, 0.35], bottom: [0.2, 0.8], airlight: [0.7, 0.95], p: 0.3}
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from renderer.effects.base import EFFECTS, EffectParams
from renderer.spec.params import FloatParam


class HazeParams(EffectParams):
    """Veil density at the top (0-1), its fraction at the bottom, airlight level and tint."""

    kind: Literal["haze"] = "haze"
    density: FloatParam(ge=0, le=1) = [0.05, 0.35]
    bottom: FloatParam(ge=0, le=1) = [0.2, 0.8]
    airlight: FloatParam(ge=0, le=1) = [0.7, 0.95]
    tint: FloatParam(ge=-1, le=1) = [-0.05, 0.1]


@EFFECTS.register("haze")
class Haze:
    """Vertical-gradient atmospheric veil."""

    Params = HazeParams

    @staticmethod
    def sample(params: HazeParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {"density": float(params.density.sample(rng)), "bottom": float(params.bottom.sample(rng)),
                "airlight": float(params.airlight.sample(rng)), "tint": float(params.tint.sample(rng))}

    @staticmethod
    def apply(image: np.ndarray, record: dict[str, Any]) -> np.ndarray:
        h = image.shape[0]
        density = record["density"] * np.linspace(1, record["bottom"], h, dtype=np.float32)
        level = 255 * record["airlight"]
        air = np.clip([level * (1 - record["tint"] / 2), level, level * (1 + record["tint"] / 2)], 0, 255)
        veil = density[:, None, None]
        out = image.astype(np.float32) * (1 - veil) + veil * air.astype(np.float32)
        return cv2.convertScaleAbs(out)
