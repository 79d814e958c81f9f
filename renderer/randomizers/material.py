"""Material draws: fill colour or texture, HSV jitter."""

from __future__ import annotations

from typing import Any

import numpy as np

from renderer.spec.objects import Material
from renderer.textures import TEXTURES


def sample_material(params: Material, *, rng: np.random.Generator) -> dict[str, Any]:
    """Draw a material record (colour as [r, g, b] 0-255, hue shift in degrees, gains, the
    exponent of the ambient light the object takes)."""
    texture = None
    use_texture = params.texture is not None and rng.random() < float(params.texture_p.sample(rng))
    if use_texture:
        texture = TEXTURES.get(params.texture.kind).sample(params.texture, rng=rng)  # type: ignore[union-attr]
    return {
        "color": params.color.sample(rng),
        "texture": texture,
        "hue_shift": float(params.hue_shift.sample(rng)),
        "saturation_scale": float(params.saturation_scale.sample(rng)),
        "value_scale": float(params.value_scale.sample(rng)),
        # Drawn last: a spec without it (a constant 1 draws nothing) keeps its earlier plans.
        "ambient_response": float(params.ambient_response.sample(rng)),
    }
