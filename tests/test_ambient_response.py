"""``material.ambient_response``: an object that takes less of the ambient light than the scene."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest
from core_helpers import make_spec

from renderer.render import render_sample


def _square(name: str, scale: float, grey: int, response: Any = 1) -> dict[str, Any]:
    return {"name": name, "asset": {"kind": "shape", "shapes": ["rectangle"], "aspect": 1},
            "pose": {"x": 0.5, "y": 0.5, "scale": scale, "rotation": 0,
                     "max_truncation": 1.0, "max_occlusion": 1.0},
            "material": {"color": {"rgb": [grey, grey, grey]}, "ambient_response": response}}


def _scene(*layers: dict[str, Any], ambient: float = 0.5, vignette: float = 0) -> dict[str, Any]:
    return {"canvas": {"width": 64, "height": 64},
            "background": {"kind": "solid", "color": {"rgb": [200, 200, 200]}},
            "objects": list(layers), "shuffle_depth": False,
            "lighting": {"ambient": ambient, "temperature": 6500, "vignette": vignette}}


@pytest.mark.parametrize(("response", "expected"), [(1, 120), (0, 240), (0.5, 170)])
def test_the_object_is_lit_by_ambient_to_its_response(response: float, expected: int) -> None:
    image = render_sample(make_spec(_scene(_square("sign", 0.5, 240, response))), 0, 0).image
    assert image[32, 32].tolist() == [expected] * 3  # 240 * 0.5 ** response, rounded
    assert image[2, 2].tolist() == [100] * 3  # the background takes the whole ambient gain


def test_an_object_pasted_on_top_takes_the_scene_light_back() -> None:
    data = _scene(_square("sign", 0.6, 240, 0), _square("sticker", 0.2, 240))
    image = render_sample(make_spec(data), 0, 0).image
    assert image[32, 32].tolist() == [120] * 3  # the sticker, lit like the scene
    assert image[32, 14].tolist() == [240] * 3  # the self-lit sign around it


def test_vignette_still_darkens_a_self_lit_object() -> None:
    def render(response: float, vignette: float) -> np.ndarray:
        data = _scene(_square("sign", 0.9, 200, response), ambient=1, vignette=vignette)
        return render_sample(make_spec(data), 0, 0).image

    assert render(0, 0)[5, 5].tolist() == [200] * 3
    assert render(0, 0.5)[5, 5, 0] < 180
    # at ambient 1 the exponent changes nothing: the light field is the scene's (to rounding)
    assert np.abs(render(0, 0.5).astype(int) - render(1, 0.5)).max() <= 1


def test_a_drawn_response_leaves_every_other_draw_alone() -> None:
    """The exponent is drawn last in the material stream, so a spec gains it without moving its
    poses, colours or lighting: only the lit pixels of the object change."""
    layer = {**_square("sign", 0.5, 240), "pose": {"scale": [0.3, 0.6], "rotation": [-30, 30]}}
    layer["material"] = {"color": {"value": [0.3, 1]}, "hue_shift": [-20, 20]}
    before = render_sample(make_spec(_scene(layer, ambient=[0.3, 1.2])), 7, 3)
    layer["material"] = {**layer["material"], "ambient_response": [0, 0.5]}
    after = render_sample(make_spec(_scene(layer, ambient=[0.3, 1.2])), 7, 3)
    (obj_before,), (obj_after,) = before.plan["objects"], after.plan["objects"]
    assert obj_before["pose"] == obj_after["pose"]
    assert {**obj_after["material"], "ambient_response": 1.0} == obj_before["material"]
    assert before.plan["lighting"] == after.plan["lighting"]
    assert 0 <= obj_after["material"]["ambient_response"] <= 0.5
    # the object's soft edge reaches a pixel past its label mask
    background = cv2.dilate((before.instance_map != 0).view(np.uint8), np.ones((3, 3), np.uint8)) == 0
    assert np.array_equal(before.image[background], after.image[background])
    inside = before.instance_map != 0
    assert before.plan["lighting"]["ambient"] < 1  # a dim scene: the self-lit object is brighter
    assert (after.image[inside].astype(int) > before.image[inside]).all()


def test_a_response_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(Exception, match="ambient_response"):
        make_spec(_scene(_square("sign", 0.5, 240, 1.5)))
