"""A weighted mixture of backgrounds: e.g. 60% photographs, 40% procedural clutter.

YAML::

    background:
      kind: mix
      options:
        - {weight: 3, background: {kind: images, dir: builtin:backgrounds}}
        - {weight: 2, background: {kind: noise}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field

from renderer.backgrounds.base import BACKGROUNDS
from renderer.rng import weighted_index
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel

if TYPE_CHECKING:
    from renderer.backgrounds import BackgroundSpec


class MixOption(SpecModel):
    """One option of a mixture and its relative weight."""

    weight: float = Field(1.0, ge=0)
    background: BackgroundSpec


class MixParams(SpecModel):
    """The options (at least one, weights with a positive sum)."""

    kind: Literal["mix"] = "mix"
    options: list[MixOption] = Field(min_length=1, max_length=64)


@BACKGROUNDS.register("mix")
class Mix:
    """Background drawn from a weighted list of backgrounds."""

    Params = MixParams

    @staticmethod
    def sample(params: MixParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        from renderer.backgrounds import sample_background  # the union includes this module

        weights = [o.weight for o in params.options]
        if sum(weights) <= 0:
            raise ValueError("background.options: weights must have a positive sum")
        k = weighted_index(rng, weights)
        return {"kind": "mix", "option": k,
                "background": sample_background(params.options[k].background, rng=rng, ctx=ctx)}

    @staticmethod
    def render(record: dict[str, Any], height: int, width: int, ctx: SceneContext) -> np.ndarray:
        from renderer.backgrounds import render_background

        return render_background(record["background"], height, width, ctx)
