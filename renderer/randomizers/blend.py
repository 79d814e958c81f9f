"""Blend draws: which mode, and its strength."""

from __future__ import annotations

from typing import Any

import numpy as np

from renderer.spec.objects import Blend


def sample_blend(params: Blend, *, rng: np.random.Generator) -> dict[str, Any]:
    """Draw a blend record: mode plus ``radius`` (feather, px), ``length``/``angle`` (motion) or
    ``strength`` (poisson, 0-1)."""
    mode = params.modes.sample(rng)
    record: dict[str, Any] = {"mode": mode}
    if mode == "feather":
        record["radius"] = float(params.feather_px.sample(rng))
    elif mode == "motion":
        record["length"] = float(params.motion_px.sample(rng))
        record["angle"] = float(rng.uniform(0, 180))
    elif mode == "poisson":
        record["strength"] = float(params.poisson_strength.sample(rng))
    return record
