"""Backgrounds: solid, gradient, every procedural texture, photographs, and weighted mixes.

``sample_background`` draws a JSON-able record at plan time; ``render_background`` turns it into
RGB uint8 pixels deterministically.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

import numpy as np
from pydantic import Field

from renderer.backgrounds import gradient, images, mix, solid, street, tray  # noqa: F401  (registration)
from renderer.backgrounds.base import BACKGROUNDS
from renderer.scene_context import SceneContext
from renderer.textures import TEXTURES
from renderer.textures.base import render_texture

BackgroundSpec = Annotated[
    Union[*BACKGROUNDS.params_models(), *TEXTURES.params_models()],
    Field(discriminator="kind"),
]
mix.MixOption.model_rebuild(_types_namespace={"BackgroundSpec": BackgroundSpec})
mix.MixParams.model_rebuild()


def sample_background(params: Any, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
    """Draw a background record from its spec block."""
    if params.kind in TEXTURES.names():
        return TEXTURES.get(params.kind).sample(params, rng=rng)
    return BACKGROUNDS.get(params.kind).sample(params, rng=rng, ctx=ctx)


def render_background(record: dict[str, Any], height: int, width: int,
                      ctx: SceneContext) -> np.ndarray:
    """Render a background record to an (height, width, 3) uint8 RGB image."""
    if record["kind"] in TEXTURES.names():
        return render_texture(record, height, width)
    return BACKGROUNDS.get(record["kind"]).render(record, height, width, ctx)



__all__ = ["BACKGROUNDS", "BackgroundSpec", "render_background", "sample_background"]
