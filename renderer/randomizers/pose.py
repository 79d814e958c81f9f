"""Pose draws: position and size in canvas pixels, angles in degrees."""

from __future__ import annotations

from typing import Any

import numpy as np

from renderer.spec.objects import Pose


def sample_pose(params: Pose, *, rng: np.random.Generator, width: int, height: int,
                position_only: bool = False) -> dict[str, Any]:
    """Draw a pose record; with ``position_only`` only ``x``/``y`` (placement retries)."""
    position = {"x": float(params.x.sample(rng)) * width, "y": float(params.y.sample(rng)) * height}
    if position_only:
        return position
    unit = min(width, height) if params.scale_unit == "fraction" else 1.0
    return {
        **position,
        "size": max(float(params.scale.sample(rng)) * unit, 1.0),
        "aspect": float(params.aspect.sample(rng)),
        "rotation": float(params.rotation.sample(rng)),
        "flip_h": bool(rng.random() < float(params.flip_h.sample(rng))),
        "flip_v": bool(rng.random() < float(params.flip_v.sample(rng))),
        "yaw": float(params.yaw.sample(rng)),
        "pitch": float(params.pitch.sample(rng)),
    }
