"""The camera of 3D scenes: intrinsics and pose. A scene with mesh objects needs one.

Intrinsics come from a horizontal field of view ``fov`` (degrees) or from ``fx``, ``fy``, ``cx``,
``cy`` (pixels; ``fx`` wins over ``fov``). The camera looks at a point on the ground (the world
plane z = 0), ``distance`` metres away, from ``elevation`` degrees above the ground (90 =
straight down) and ``azimuth`` degrees about the vertical; ``target_jitter`` moves that point
on the ground (metres), ``roll`` turns the image about the optical axis (degrees).

YAML::

    camera: {fov: [40, 60], elevation: [60, 90], azimuth: [0, 360], distance: [0.4, 0.8]}
    camera: {fx: 600, fy: 600, cx: 320, cy: 240, elevation: 90, distance: 0.5}
"""

from __future__ import annotations

from renderer.spec.base import SpecModel
from renderer.spec.params import FloatParam


class Camera(SpecModel):
    """Pinhole camera of a 3D scene (see module docstring)."""

    fov: FloatParam(ge=1, le=170) = 50
    fx: FloatParam(ge=1, le=100000) | None = None
    fy: FloatParam(ge=1, le=100000) | None = None
    cx: FloatParam(ge=-100000, le=100000) | None = None
    cy: FloatParam(ge=-100000, le=100000) | None = None
    elevation: FloatParam(ge=1, le=90) = [45, 90]
    azimuth: FloatParam(ge=-360, le=720) = [0, 360]
    distance: FloatParam(ge=0.01, le=1000) = [0.5, 1.0]
    roll: FloatParam(ge=-180, le=180) = 0
    target_jitter: FloatParam(ge=0, le=1000) = 0
