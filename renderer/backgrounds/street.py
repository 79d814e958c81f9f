"""A procedural street seen from a car: sky, road with markings, facades, trees, cars, posts.

For detection scenes of road furniture (traffic signs, lights) where no photograph of a road
may be used: what a car camera sees around the objects (windows, tail lights, foliage, lane
markings) is what a detector must learn to ignore. One-point perspective: the camera looks
along the road; sizes follow the focal length, so a record renders alike at any canvas size.

YAML::

    background:
      kind: street
      horizon: [0.42, 0.58]     # vanishing point's height, fraction of the canvas height
      vanish_x: [0.3, 0.7]      # vanishing point's x, fraction of the canvas width
      focal: [0.7, 1.1]         # focal length, fraction of the canvas width
      buildings: 0.6            # probability of a row of facades on each side
      trees: [0, 12]            # trees along the sides
      cars: [0, 4]              # cars ahead on the road
      posts: [0, 6]             # lamp posts and traffic lights
      markings: 0.8             # probability of lane markings
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from renderer.backgrounds import street_parts as parts
from renderer.backgrounds.base import BACKGROUNDS
from renderer.rng import child_seed
from renderer.scene_context import SceneContext
from renderer.spec.base import SpecModel
from renderer.spec.params import FloatParam, IntParam


class StreetParams(SpecModel):
    """Camera (horizon, vanishing point, focal length) and how much street furniture."""

    kind: Literal["street"] = "street"
    horizon: FloatParam(ge=0, le=1) = [0.42, 0.58]
    vanish_x: FloatParam(ge=0, le=1) = [0.3, 0.7]
    focal: FloatParam(ge=0.1, le=5) = [0.7, 1.1]
    buildings: FloatParam(ge=0, le=1) = 0.6
    trees: IntParam(ge=0, le=100) = [0, 12]
    cars: IntParam(ge=0, le=30) = [0, 4]
    posts: IntParam(ge=0, le=30) = [0, 6]
    markings: FloatParam(ge=0, le=1) = 0.8


@BACKGROUNDS.register("street")
class Street:
    """Procedural street background."""

    Params = StreetParams

    @staticmethod
    def sample(params: StreetParams, *, rng: np.random.Generator, ctx: SceneContext) -> dict[str, Any]:
        buildings = float(params.buildings.sample(rng))
        return {
            "kind": "street",
            "horizon": float(params.horizon.sample(rng)),
            "vanish_x": float(params.vanish_x.sample(rng)),
            "focal": float(params.focal.sample(rng)),
            "buildings": [bool(rng.random() < buildings), bool(rng.random() < buildings)],
            "trees": int(params.trees.sample(rng)),
            "cars": int(params.cars.sample(rng)),
            "posts": int(params.posts.sample(rng)),
            "markings": bool(rng.random() < float(params.markings.sample(rng))),
            "seed": child_seed(rng),
        }

    @staticmethod
    def render(record: dict[str, Any], height: int, width: int, ctx: SceneContext) -> np.ndarray:
        rng = np.random.default_rng(record["seed"])
        cam = parts.Camera(focal=record["focal"] * width, cx=record["vanish_x"] * width,
                           horizon=record["horizon"] * height, height=rng.uniform(1.2, 1.7))
        frame = np.zeros((height, width, 3), np.uint8)
        horizon = int(np.clip(round(cam.horizon), 0, height))
        parts.sky(frame, horizon, rng)
        parts.ground(frame, horizon, rng)
        parts.far_band(frame, horizon, rng)
        half_width, offset = rng.uniform(3, 8), rng.uniform(-2, 2)
        parts.road(frame, cam, half_width, offset, rng, record["markings"])
        kerbs = (offset - half_width - rng.uniform(2, 5), offset + half_width + rng.uniform(2, 5))
        for side_x, present in zip(kerbs, record["buildings"], strict=True):
            # no facades: a hedge or wood half the time, else open verge
            row = parts.building_row if present else parts.foliage_row
            if present or rng.random() < 0.5:
                row(frame, cam, side_x - rng.uniform(0, 3) * np.sign(-side_x), rng)
        # Things standing on the street, drawn far to near so nearer ones cover farther ones.
        things: list[tuple[float, str, float]] = []
        for kind, count in (("tree", record["trees"]), ("post", record["posts"])):
            for _ in range(count):
                side = kerbs[int(rng.integers(2))]
                things.append((rng.uniform(6, 80), kind, side + rng.uniform(-1.5, 1.5)))
        for _ in range(record["cars"]):
            lane = offset + rng.uniform(-half_width + 1, half_width - 1)
            things.append((rng.uniform(6, 70), "car", lane))
        draw = {"tree": parts.tree, "post": parts.post, "car": parts.car}
        for z, kind, x in sorted(things, key=lambda t: -t[0]):
            draw[kind](frame, cam, x, z, rng)
        return frame
