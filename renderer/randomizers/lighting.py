"""Lighting draws: ambient gain, temperature (K), directional light, spots, vignette."""

from __future__ import annotations

from typing import Any

import numpy as np

from renderer.spec.lighting import Lighting


def sample_lighting(params: Lighting, *, rng: np.random.Generator) -> dict[str, Any]:
    """Draw a lighting record (angles in degrees, spot centres/radii as canvas fractions)."""
    d = params.directional
    directional = None
    if rng.random() < float(d.p.sample(rng)):
        directional = {
            "azimuth": float(d.azimuth.sample(rng)),
            "elevation": float(d.elevation.sample(rng)),
            "intensity": float(d.intensity.sample(rng)),
            "shadow_opacity": float(d.shadow_opacity.sample(rng)),
            "shadow_blur": float(d.shadow_blur.sample(rng)),
        }
    spots = [
        {"x": float(rng.random()), "y": float(rng.random()),
         "radius": float(params.spots.radius.sample(rng)),
         "intensity": float(params.spots.intensity.sample(rng))}
        for _ in range(int(params.spots.count.sample(rng)))
    ]
    return {
        "ambient": float(params.ambient.sample(rng)),
        "temperature": float(params.temperature.sample(rng)),
        "directional": directional,
        "spots": spots,
        "vignette": float(params.vignette.sample(rng)),
    }
