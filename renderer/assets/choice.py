"""A weighted choice among assets of any kinds, for one layer: its classes are their union.

One labeled layer can then mix sources of the same classes, e.g. handwritten digits with font
digits, or sign cutouts with glyph signs; a classification scene (one labeled layer) needs this
to draw each image's object from several kinds.

YAML::

    asset:
      kind: choice
      options:
        - {weight: 4, asset: {kind: handwriting}}
        - {weight: 1, asset: {kind: glyph, text: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field, field_validator

from renderer.assets.base import ASSETS, AssetInfo, AssetRaster
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.weighted import WeightedOption, draw_option, positive_sum

if TYPE_CHECKING:
    from renderer.spec.objects import AssetSpec


class ChoiceOption(WeightedOption):
    """One asset of the choice and its relative weight (>= 0)."""

    asset: AssetSpec


class ChoiceParams(SpecModel):
    """The options (1-64, weights with a positive sum)."""

    kind: Literal["choice"] = "choice"
    options: list[ChoiceOption] = Field(min_length=1, max_length=64)

    _weights = field_validator("options")(positive_sum)


def _merge(infos: list[AssetInfo]) -> AssetInfo:
    """Classes in order of first appearance; a class named by several options keeps its longest
    keypoint list (as a class shared by several layers does in the class table)."""
    classes: dict[str, None] = {}
    keypoints: dict[str, tuple[str, ...]] = {}
    for info in infos:
        classes.update(dict.fromkeys(info.classes))
        for name, points in info.keypoint_names.items():
            if len(points) > len(keypoints.get(name, ())):
                keypoints[name] = points
    return AssetInfo(tuple(classes), keypoints)


@ASSETS.register("choice")
class Choice:
    """Asset drawn from a weighted list of assets; the record keeps the chosen one."""

    Params = ChoiceParams

    @staticmethod
    def describe(params: ChoiceParams, ctx: SceneContext) -> AssetInfo:
        return _merge([ASSETS.get(o.asset.kind).describe(o.asset, ctx) for o in params.options])

    @staticmethod
    def sample(params: ChoiceParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        k = draw_option(rng, params.options)
        option = params.options[k].asset
        chosen = ASSETS.get(option.kind).sample(option, rng=rng, ctx=ctx)
        return {"kind": "choice", "option": k, "class_name": chosen.get("class_name"),
                "asset": chosen}

    @staticmethod
    def raster(record: dict[str, Any], size_px: int, ctx: SceneContext) -> AssetRaster:
        chosen = record["asset"]
        return ASSETS.get(chosen["kind"]).raster(chosen, size_px, ctx)
