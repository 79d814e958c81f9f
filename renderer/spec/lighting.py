"""Lighting: ambient level, colour temperature, a directional light with soft shadows, spot
highlights and vignetting.

YAML::

    lighting:
      ambient: [0.7, 1.2]            # gain on the whole frame
      temperature: [4000, 8000]      # Kelvin; 6500 is neutral
      directional:
        p: 0.7                       # probability the light is on
        azimuth: [0, 360]            # degrees, direction the light comes from (0 = from +x)
        elevation: [25, 70]          # degrees above the ground plane
        intensity: [0.2, 0.6]        # strength of the shading ramp across each object
        shadow_opacity: [0.3, 0.7]
        shadow_blur: [1, 4]          # pixels (Gaussian sigma)
      spots: {count: [0, 2], radius: [0.1, 0.3], intensity: [0.1, 0.4]}
      vignette: [0, 0.4]             # darkening at the corners (fraction)
"""

from __future__ import annotations

from renderer.spec.base import SpecModel
from renderer.spec.params import FloatParam, IntParam


class Directional(SpecModel):
    """A distant light: shades objects along its direction and casts soft shadows away from it."""

    p: FloatParam(ge=0, le=1) = 0.0
    azimuth: FloatParam(ge=-360, le=720) = [0, 360]
    elevation: FloatParam(ge=5, le=90) = [25, 70]
    intensity: FloatParam(ge=0, le=2) = [0.2, 0.6]
    shadow_opacity: FloatParam(ge=0, le=1) = [0.3, 0.7]
    shadow_blur: FloatParam(ge=0, le=50) = [1, 4]


class Spots(SpecModel):
    """Soft additive highlights: radius as a fraction of the canvas diagonal."""

    count: IntParam(ge=0, le=16) = 0
    radius: FloatParam(ge=0.01, le=2) = [0.1, 0.3]
    intensity: FloatParam(ge=0, le=2) = [0.1, 0.4]


class Lighting(SpecModel):
    """Scene lighting (see module docstring)."""

    ambient: FloatParam(ge=0, le=10) = 1.0
    temperature: FloatParam(ge=1000, le=40000) = 6500
    directional: Directional = Directional()
    spots: Spots = Spots()
    vignette: FloatParam(ge=0, le=1) = 0.0
