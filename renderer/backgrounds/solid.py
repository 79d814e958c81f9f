"""A single colour.

YAML::

    background: {kind: solid, color: {rgb: [0, 0, 0]}}
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from renderer.backgrounds.base import BACKGROUNDS
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.color import ColorSpec


class SolidParams(SpecModel):
    """Colour of the whole background."""

    kind: Literal["solid"] = "solid"
    color: ColorSpec = ColorSpec()


@BACKGROUNDS.register("solid")
class Solid:
    """Solid-colour background."""

    Params = SolidParams

    @staticmethod
    def sample(params: SolidParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        return {"kind": "solid", "color": params.color.sample(rng)}

    @staticmethod
    def render(record: dict[str, Any], height: int, width: int, ctx: SceneContext) -> np.ndarray:
        return np.full((height, width, 3), record["color"], np.uint8)
