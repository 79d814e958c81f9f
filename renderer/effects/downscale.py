"""Low resolution: shrink and enlarge again, leaving upsampling artefacts (small, far objects).

YAML::

    effects:
      - {kind: downscale, factor: [0.25, 0.8], interpolation: [linear, nearest, cubic]}
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from renderer.effects.base import EFFECTS, EffectParams
from renderer.filters import RESIZE_FILTERS
from renderer.spec.params import FloatParam, NamesParam


class DownscaleParams(EffectParams):
    """Scale ``factor`` (0-1] of the intermediate image and the upsampling interpolation."""

    kind: Literal["downscale"] = "downscale"
    factor: FloatParam(ge=0.02, le=1) = [0.25, 0.8]
    interpolation: NamesParam(tuple(RESIZE_FILTERS)) = ["linear", "cubic", "nearest"]


@EFFECTS.register("downscale")
class Downscale:
    """Shrink-and-enlarge."""

    Params = DownscaleParams

    @staticmethod
    def sample(params: DownscaleParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {"factor": float(params.factor.sample(rng)),
                "interpolation": params.interpolation.sample(rng)}

    @staticmethod
    def apply(image: np.ndarray, record: dict[str, Any]) -> np.ndarray:
        h, w = image.shape[:2]
        small = (max(1, round(w * record["factor"])), max(1, round(h * record["factor"])))
        reduced = cv2.resize(image, small, interpolation=cv2.INTER_AREA)
        return cv2.resize(reduced, (w, h), interpolation=RESIZE_FILTERS[record["interpolation"]])
