"""Cellular (Worley) texture: cobblestones, leaves, cracked paint.

The distance field is computed on a grid 1/4 of the size, coloured, then upsampled: cheap.

YAML::

    background: {kind: cellular, cells: [20, 200], invert: 0.5}
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from renderer.rng import child_seed
from renderer.spec.params import FloatParam, IntParam
from renderer.textures.base import TEXTURES, TwoColorParams, sample_colors


class CellularParams(TwoColorParams):
    """Number of cells over the image and the probability of inverting the field."""

    kind: Literal["cellular"] = "cellular"
    cells: IntParam(ge=1, le=5000) = [20, 200]
    invert: FloatParam(ge=0, le=1) = 0.5


@TEXTURES.register("cellular")
class Cellular:
    """Worley-noise texture."""

    Params = CellularParams

    @staticmethod
    def sample(params: CellularParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "kind": "cellular",
            "cells": int(params.cells.sample(rng)),
            "invert": bool(rng.random() < float(params.invert.sample(rng))),
            "seed": child_seed(rng),
            **sample_colors(params, rng),
        }

    @staticmethod
    def field(record: dict[str, Any], height: int, width: int) -> np.ndarray:
        rng = np.random.default_rng(record["seed"])
        gh, gw = max(2, height // 4), max(2, width // 4)
        seeds = np.ones((gh, gw), np.uint8)
        ys = rng.integers(0, gh, record["cells"])
        xs = rng.integers(0, gw, record["cells"])
        seeds[ys, xs] = 0
        dist = cv2.distanceTransform(seeds, cv2.DIST_L2, 3)
        dist /= max(float(dist.max()), 1e-6)  # quarter resolution: render_texture upsamples
        return 1.0 - dist if record["invert"] else dist
