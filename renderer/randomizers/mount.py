"""Mount draws: the post under an object (a sign on its pole), from the object's drawn box."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from renderer.randomizers.material import sample_material
from renderer.spec.objects import Material, Mount

# A square raster stretched by the pose's width gain: one cached raster per size, whatever the
# post's proportions.
POST_ASSET = {"kind": "shape", "class_name": "rectangle", "shape": "rectangle", "aspect": 1.0}


def sample_mount(params: Mount, box: tuple[float, ...], pose: dict[str, Any], *,
                 rng: np.random.Generator) -> dict[str, Any] | None:
    """Draw the post under an object whose canvas box is ``box`` (x0, y0, x1, y1, px) and whose
    pose is ``pose``: its asset, pose, material and blend records, or None (no post drawn)."""
    if rng.random() >= float(params.p.sample(rng)):
        return None
    width, height = box[2] - box[0], box[3] - box[1]
    length = max(float(params.length.sample(rng)) * height, 1.0)
    thickness = max(float(params.width.sample(rng)) * width, 0.5)
    # The post starts inside the object (hidden behind it) so no gap shows under a tilted sign.
    top = box[3] - 0.5 * height
    size = length + 0.5 * height
    angle = math.radians(pose["rotation"])
    cx = (box[0] + box[2]) / 2
    post_pose = {"x": cx - math.sin(angle) * size / 2, "y": top + math.cos(angle) * size / 2,
                 "size": size, "aspect": min(thickness / size, 1.0), "rotation": pose["rotation"],
                 "flip_h": False, "flip_v": False, "yaw": 0.0, "pitch": 0.0}
    material = sample_material(Material(color=params.color), rng=rng)
    return {"asset": dict(POST_ASSET), "pose": post_pose, "material": material,
            "blend": {"mode": "none"}}


def sample_stacked_pose(params: Mount, box: tuple[float, ...], pose: dict[str, Any], *,
                        rng: np.random.Generator) -> tuple[dict[str, Any], float] | None:
    """Draw the second object hung under an object whose canvas box is ``box`` (x0, y0, x1, y1,
    px) and whose pose is ``pose`` (see :class:`~renderer.spec.objects.Mount`): its pose and the
    canvas y (px) its box's top should have, or None (no second object). The pose's centre is an
    estimate along the post; the caller moves it so the box top lands on that y."""
    if rng.random() >= float(params.stack_p.sample(rng)):
        return None
    scale = float(params.stack_scale.sample(rng))
    height = box[3] - box[1]
    gap = float(params.stack_gap.sample(rng)) * height
    drop = height / 2 + gap + scale * height / 2  # centre to centre, along the post
    angle = math.radians(pose["rotation"])
    stacked = {**pose, "size": max(pose["size"] * scale, 1.0),
               "x": pose["x"] - math.sin(angle) * drop, "y": pose["y"] + math.cos(angle) * drop}
    return stacked, box[3] + gap
