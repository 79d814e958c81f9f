"""Value noise with octaves (fractal Brownian motion): clouds, stains, foliage-like clutter.

Lean by design: each octave is a small random grid upsampled with ``cv2.resize``.

YAML::

    background:
      kind: noise
      scale: [16, 96]        # feature size of the coarsest octave, pixels
      octaves: [2, 4]
      persistence: 0.5       # amplitude ratio between octaves
      color_a: {hue: [0, 360], saturation: [0, 0.5], value: [0.1, 0.5]}
      color_b: {hue: [0, 360], saturation: [0, 0.5], value: [0.5, 1.0]}
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from renderer.rng import child_seed
from renderer.spec.params import FloatParam, IntParam
from renderer.textures.base import TEXTURES, TwoColorParams, sample_colors, upsample


class NoiseParams(TwoColorParams):
    """Parameters of value noise (see module docstring)."""

    kind: Literal["noise"] = "noise"
    scale: FloatParam(ge=1, le=4096) = [16, 96]
    octaves: IntParam(ge=1, le=8) = [2, 4]
    persistence: FloatParam(ge=0, le=1) = 0.5


@TEXTURES.register("noise")
class Noise:
    """Value-noise texture."""

    Params = NoiseParams

    @staticmethod
    def sample(params: NoiseParams, *, rng: np.random.Generator) -> dict[str, Any]:
        return {
            "kind": "noise",
            "scale": float(params.scale.sample(rng)),
            "octaves": int(params.octaves.sample(rng)),
            "persistence": float(params.persistence.sample(rng)),
            "seed": child_seed(rng),
            **sample_colors(params, rng),
        }

    @staticmethod
    def field(record: dict[str, Any], height: int, width: int) -> np.ndarray:
        rng = np.random.default_rng(record["seed"])
        # Octaves are summed on a grid at the finest octave's resolution; the caller upsamples
        # the coloured result once (see ``render_texture``).
        finest = max(record["scale"] / 2 ** (record["octaves"] - 1), 1.0)
        fh = max(2, int(np.ceil(height / finest)) + 1)
        fw = max(2, int(np.ceil(width / finest)) + 1)
        total = np.zeros((fh, fw), np.float32)
        amplitude, weight, scale = 1.0, 0.0, record["scale"]
        for _ in range(record["octaves"]):
            gh = max(2, int(np.ceil(height / scale)) + 1)
            gw = max(2, int(np.ceil(width / scale)) + 1)
            grid = rng.random((gh, gw), dtype=np.float32)
            total += amplitude * upsample(grid, fh, fw)
            weight += amplitude
            amplitude *= record["persistence"]
            scale = max(scale / 2, 1.0)
        # Stretch the contrast: averaging octaves pulls values toward 0.5.
        lo, hi = float(total.min()), float(total.max())
        return (total - lo) / max(hi - lo, 1e-6)  # at the finest octave's resolution
