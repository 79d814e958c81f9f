"""A tray seen from above: a grainy floor (felt, cloth) framed by sloped inner walls and a rim,
on a table or board that shows around it. Dice, cards and parts are photographed in such trays.

Sizes are fractions of the canvas's shorter side; the floor may be larger than the canvas (a
close-up inside the tray). The walls are lit from one side (``wall_light``: brightness change
across the frame, as a light from above one corner gives), the rim is flat with speckles.

YAML::

    background:
      kind: tray
      floor: {saturation: [0, 0.3], value: [0.4, 0.75]}
      wall: {saturation: [0, 0.2], value: [0.55, 0.85]}
      rim: {saturation: [0, 0.5], value: [0.05, 0.3]}
      outside: {saturation: [0, 0.1], value: [0.7, 0.95]}
      floor_size: [0.7, 1.3]        # floor width and height (drawn apart)
      wall_width: [0.04, 0.1]
      rim_width: [0.01, 0.04]
      grain: [1.5, 4]               # floor grain size, pixels
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np

from renderer.backgrounds.base import BACKGROUNDS
from renderer.rng import child_seed
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.color import ColorSpec
from renderer.spec.params import FloatParam

GRAIN_CONTRAST = 0.12  # floor grain amplitude (fraction of the floor colour)
SPECKLE_P = 0.08  # fraction of rim pixels with a light speckle


class TrayParams(SpecModel):
    """Colours and sizes of the tray (see module docstring)."""

    kind: Literal["tray"] = "tray"
    floor: ColorSpec = ColorSpec(saturation=[0, 0.3], value=[0.4, 0.75])
    wall: ColorSpec = ColorSpec(saturation=[0, 0.2], value=[0.55, 0.85])
    rim: ColorSpec = ColorSpec(saturation=[0, 0.5], value=[0.05, 0.3])
    outside: ColorSpec = ColorSpec(saturation=[0, 0.1], value=[0.7, 0.95])
    floor_size: FloatParam(ge=0.05, le=4) = [0.7, 1.3]
    wall_width: FloatParam(ge=0, le=1) = [0.04, 0.1]
    rim_width: FloatParam(ge=0, le=1) = [0.01, 0.04]
    grain: FloatParam(ge=0.5, le=64) = [1.5, 4]
    wall_light: FloatParam(ge=0, le=1) = [0.1, 0.35]


@BACKGROUNDS.register("tray")
class Tray:
    """Tray background (floor, walls, rim, surroundings)."""

    Params = TrayParams

    @staticmethod
    def sample(params: TrayParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        size = [float(params.floor_size.sample(rng)) for _ in range(2)]
        # the floor's centre: anywhere that keeps some floor in the middle of the frame
        centre = [float(rng.uniform(0.5 - s / 2, 0.5 + s / 2)) if s < 1 else
                  float(rng.uniform(1 - s / 2, s / 2)) for s in size]
        return {"kind": "tray", "floor": params.floor.sample(rng), "wall": params.wall.sample(rng),
                "rim": params.rim.sample(rng), "outside": params.outside.sample(rng),
                "size": size, "centre": centre, "wall_width": float(params.wall_width.sample(rng)),
                "rim_width": float(params.rim_width.sample(rng)),
                "grain": float(params.grain.sample(rng)),
                "wall_light": float(params.wall_light.sample(rng)),
                "light_angle": float(rng.uniform(0, 2 * np.pi)), "seed": child_seed(rng)}

    @staticmethod
    def render(record: dict[str, Any], height: int, width: int, ctx: SceneContext) -> np.ndarray:
        unit = min(height, width)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32) / unit
        cx = record["centre"][0] * width / unit
        cy = record["centre"][1] * height / unit
        # distance outside the floor rectangle (0 on the floor), in canvas units
        dx = np.abs(xs - cx) - record["size"][0] / 2
        dy = np.abs(ys - cy) - record["size"][1] / 2
        out = np.maximum(dx, dy)
        wall, rim = record["wall_width"], record["rim_width"]
        image = np.empty((height, width, 3), np.float32)
        image[:] = record["outside"]
        on_rim = out < wall + rim
        image[on_rim] = record["rim"]
        on_wall = out < wall
        # walls facing the light are brighter: the light's side is where (dx or dy) points to it
        light = np.array([np.cos(record["light_angle"]), np.sin(record["light_angle"])], np.float32)
        facing = np.where(dx > dy, -np.sign(xs - cx) * light[0], -np.sign(ys - cy) * light[1])
        gain = 1 + record["wall_light"] * facing
        image[on_wall] = np.asarray(record["wall"], np.float32) * gain[on_wall, None]
        rng = np.random.default_rng(record["seed"])
        floor = out <= 0
        grain = _grain(rng, height, width, record["grain"])
        image[floor] = np.asarray(record["floor"], np.float32) * (1 + GRAIN_CONTRAST * grain[floor, None])
        speckle = on_rim & ~on_wall & (rng.random((height, width), dtype=np.float32) < SPECKLE_P)
        image[speckle] = rng.uniform(80, 255, size=(int(speckle.sum()), 3)).astype(np.float32)
        # a soft step between the parts, as a lens at this distance draws it
        image = cv2.GaussianBlur(image, (0, 0), 0.8)
        return np.clip(image + 0.5, 0, 255).astype(np.uint8)


def _grain(rng: np.random.Generator, height: int, width: int, size: float) -> np.ndarray:
    """Zero-mean grain field (about -1..1) with features ``size`` pixels across."""
    h, w = max(2, int(height / size)), max(2, int(width / size))
    small = rng.standard_normal((h, w), dtype=np.float32)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
