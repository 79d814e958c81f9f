"""Exposure: brightness, contrast and gamma, through one 256-entry lookup table.

YAML::

    effects:
      - {kind: exposure, brightness: [-0.2, 0.2], contrast: [0.6, 1.4], gamma: [0.7, 1.5]}

``brightness`` is an offset in fractions of full scale, ``contrast`` a gain around mid-grey,
``gamma`` the exponent applied to normalised intensity (> 1 darkens mid-tones).
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from renderer.effects.base import EFFECTS, EffectParams
from renderer.spec.params import FloatParam


class ExposureParams(EffectParams):
    """Brightness offset (fraction of 255), contrast gain, gamma exponent."""

    kind: Literal["exposure"] = "exposure"
    brightness: FloatParam(ge=-1, le=1) = [-0.2, 0.2]
    contrast: FloatParam(ge=0, le=10) = [0.7, 1.3]
    gamma: FloatParam(ge=0.05, le=20) = 1.0


def exposure_lut(brightness: float, contrast: float, gamma: float) -> np.ndarray:
    """The (256,) uint8 lookup table of an exposure record."""
    x = np.arange(256, dtype=np.float64) / 255.0
    y = np.power(x, gamma)
    y = (y - 0.5) * contrast + 0.5 + brightness
    return np.clip(np.round(y * 255), 0, 255).astype(np.uint8)


@EFFECTS.register("exposure")
class Exposure:
    """Global brightness / contrast / gamma."""

    Params = ExposureParams

    @staticmethod
    def sample(params: ExposureParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {"brightness": float(params.brightness.sample(rng)),
                "contrast": float(params.contrast.sample(rng)),
                "gamma": float(params.gamma.sample(rng))}

    @staticmethod
    def apply(image: np.ndarray, record: dict[str, Any]) -> np.ndarray:
        lut = exposure_lut(record["brightness"], record["contrast"], record["gamma"])
        return cv2.LUT(image, lut)
