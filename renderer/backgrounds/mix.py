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
from pydantic import Field, field_validator

from renderer.backgrounds.base import BACKGROUNDS
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.weighted import WeightedOption, draw_option, positive_sum

if TYPE_CHECKING:
    from renderer.backgrounds import BackgroundSpec


class MixOption(WeightedOption):
    """One background of the mixture and its relative weight (>= 0)."""

    background: BackgroundSpec


class MixParams(SpecModel):
    """The options (at least one, weights with a positive sum)."""

    kind: Literal["mix"] = "mix"
    options: list[MixOption] = Field(min_length=1, max_length=64)

    _weights = field_validator("options")(positive_sum)


@BACKGROUNDS.register("mix")
class Mix:
    """Background drawn from a weighted list of backgrounds."""

    Params = MixParams

    @staticmethod
    def sample(params: MixParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        from renderer.backgrounds import sample_background  # the union includes this module

        k = draw_option(rng, params.options)
        return {"kind": "mix", "option": k,
                "background": sample_background(params.options[k].background, rng=rng, ctx=ctx)}

    @staticmethod
    def render(record: dict[str, Any], height: int, width: int, ctx: SceneContext) -> np.ndarray:
        from renderer.backgrounds import render_background

        return render_background(record["background"], height, width, ctx)
