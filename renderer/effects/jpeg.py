"""JPEG compression artefacts (blocking, ringing) at a drawn quality.

This re-encodes the frame in memory; the dataset's own output format is set under ``output``.

YAML::

    effects:
      - {kind: jpeg, quality: [30, 90], p: 0.5}
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from renderer.effects.base import EFFECTS, EffectParams
from renderer.spec.params import IntParam


class JpegParams(EffectParams):
    """JPEG quality 1-100."""

    kind: Literal["jpeg"] = "jpeg"
    quality: IntParam(ge=1, le=100) = [30, 90]


@EFFECTS.register("jpeg")
class Jpeg:
    """JPEG round trip."""

    Params = JpegParams

    @staticmethod
    def sample(params: JpegParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {"quality": int(params.quality.sample(rng))}

    @staticmethod
    def apply(image: np.ndarray, record: dict[str, Any]) -> np.ndarray:
        bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, record["quality"]])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
