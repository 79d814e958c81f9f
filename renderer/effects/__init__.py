"""Camera and sensor effects. Each kind is one module registered in ``EFFECTS``."""

from renderer.effects.base import EFFECTS, apply_effect, sample_effect

__all__ = ["EFFECTS", "apply_effect", "sample_effect"]

from renderer.effects import albu, blur, downscale, exposure, haze, jpeg, noise, shadow  # noqa: F401
