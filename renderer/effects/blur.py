"""Defocus and motion blur.

YAML::

    effects:
      - {kind: blur, sigma: [0.3, 1.5], p: 0.5}              # Gaussian defocus, sigma in pixels
      - {kind: motion_blur, length: [3, 9], angle: [0, 180], p: 0.3}   # pixels, degrees
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from renderer.effects.base import EFFECTS, EffectParams
from renderer.filters import gaussian_blur, line_kernel
from renderer.spec.params import FloatParam


class BlurParams(EffectParams):
    """Gaussian defocus blur; ``sigma`` in pixels."""

    kind: Literal["blur"] = "blur"
    sigma: FloatParam(ge=0, le=100) = [0.3, 1.5]


@EFFECTS.register("blur")
class Blur:
    """Gaussian (defocus) blur."""

    Params = BlurParams

    @staticmethod
    def sample(params: BlurParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {"sigma": float(params.sigma.sample(rng))}

    @staticmethod
    def apply(image: np.ndarray, record: dict[str, Any]) -> np.ndarray:
        if record["sigma"] <= 0:
            return image
        return gaussian_blur(image, record["sigma"])


class MotionBlurParams(EffectParams):
    """Linear motion blur: ``length`` in pixels, ``angle`` in degrees."""

    kind: Literal["motion_blur"] = "motion_blur"
    length: FloatParam(ge=1, le=200) = [3, 9]
    angle: FloatParam(ge=-360, le=360) = [0, 180]


@EFFECTS.register("motion_blur")
class MotionBlur:
    """Camera motion blur along a line."""

    Params = MotionBlurParams

    @staticmethod
    def sample(params: MotionBlurParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {"length": float(params.length.sample(rng)), "angle": float(params.angle.sample(rng))}

    @staticmethod
    def apply(image: np.ndarray, record: dict[str, Any]) -> np.ndarray:
        return cv2.filter2D(image, -1, line_kernel(record["length"], record["angle"]),
                            borderType=cv2.BORDER_REFLECT)
