"""Colours drawn in HSV, the space in which "any saturated colour" or "dark grey" is easy to say.

YAML::

    color: {hue: [0, 360], saturation: [0.6, 1], value: [0.4, 1]}   # any vivid colour
    color: {rgb: [255, 255, 255]}                                   # fixed white
"""

from __future__ import annotations

import colorsys

import numpy as np
from pydantic import model_validator

from renderer.spec.base import SpecModel
from renderer.spec.params import FloatParam


class ColorSpec(SpecModel):
    """A colour distribution: a fixed ``rgb`` triple (0-255) or HSV ranges (hue in degrees, s/v in 0-1)."""

    rgb: tuple[int, int, int] | None = None
    hue: FloatParam(ge=0, le=360) = [0, 360]
    saturation: FloatParam(ge=0, le=1) = [0, 1]
    value: FloatParam(ge=0, le=1) = [0, 1]

    @model_validator(mode="after")
    def _check_rgb(self) -> ColorSpec:
        if self.rgb is not None and not all(0 <= c <= 255 for c in self.rgb):
            raise ValueError("rgb components must be in 0..255")
        return self

    def sample(self, rng: np.random.Generator) -> list[int]:
        """Draw one colour as ``[r, g, b]`` in 0..255."""
        if self.rgb is not None:
            return list(self.rgb)
        h = float(self.hue.sample(rng)) % 360
        s = min(max(float(self.saturation.sample(rng)), 0.0), 1.0)
        v = min(max(float(self.value.sample(rng)), 0.0), 1.0)
        return [int(round(255 * c)) for c in colorsys.hsv_to_rgb(h / 360, s, v)]
