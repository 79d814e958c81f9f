"""The ``choice`` asset kind: one layer drawing from several asset kinds."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from core_helpers import CLASSIFICATION_DATA, MIXED_DATA, make_spec, spec_data

from renderer.classes import class_table
from renderer.plan import sample_plan
from renderer.render import render_sample
from renderer.spec.load import SpecError


def _digits_choice(weights: tuple[float, float] = (3, 1)) -> dict[str, Any]:
    return {"kind": "choice", "options": [
        {"weight": weights[0], "asset": {"kind": "handwriting", "digits": ["0", "1", "2"]}},
        {"weight": weights[1], "asset": {"kind": "glyph", "text": ["2", "3"]}}]}


def _classification(asset: dict[str, Any]) -> dict[str, Any]:
    layer = {**CLASSIFICATION_DATA["objects"][0], "asset": asset}
    return spec_data(CLASSIFICATION_DATA, objects=[layer])


def test_classes_are_the_union_in_order_of_first_appearance() -> None:
    spec = make_spec(_classification(_digits_choice()))
    assert class_table(spec).names == ("0", "1", "2", "3")


def test_a_classification_layer_draws_from_every_option_by_weight() -> None:
    spec = make_spec(_classification(_digits_choice((3, 1))))
    kinds: Counter[str] = Counter()
    for index in range(80):
        sample = render_sample(spec, 0, index)
        asset = sample.plan["objects"][0]["asset"]
        assert asset["kind"] == "choice" and asset["class_name"] == asset["asset"]["class_name"]
        assert asset["asset"]["kind"] == ("handwriting", "glyph")[asset["option"]]
        assert sample.class_names[sample.label] == asset["class_name"]
        assert sample.image.max() > 100  # the chosen asset was drawn
        kinds[asset["asset"]["kind"]] += 1
    assert 40 <= kinds["handwriting"] <= 75 and kinds["glyph"] >= 8


def test_a_class_keeps_its_longest_keypoint_list() -> None:
    coins = next(layer["asset"] for layer in MIXED_DATA["objects"] if layer["asset"]["kind"] == "cutout")
    mixed = {"kind": "choice", "options": [{"asset": {"kind": "glyph", "text": ["coin"]}},
                                           {"asset": coins}]}
    spec = make_spec(spec_data(MIXED_DATA, objects=[{"name": "c", "asset": mixed, "count": 2}]))
    table = class_table(spec)
    assert table.names == ("coin", "galaxy") and table.keypoint_names["coin"] == ("centre", "top")
    for index in range(6):
        for obj in render_sample(spec, 0, index).objects:
            assert obj.keypoints.shape[0] in (0, 2)


@pytest.mark.parametrize(("options", "field"), [
    ([], "options"),
    ([{"weight": 0, "asset": {"kind": "shape"}}], "options: weights must have a positive sum"),
    ([{"weight": -1, "asset": {"kind": "shape"}}], "options.0.weight"),
    ([{"asset": {"kind": "nope"}}], "options.0.asset"),
])
def test_bad_options_name_the_field(options: list[dict[str, Any]], field: str) -> None:
    data = spec_data(MIXED_DATA, objects=[{"name": "c", "asset": {"kind": "choice",
                                                                   "options": options}}])
    with pytest.raises(SpecError, match=field.replace(".", r"[.\[\]]+")):
        make_spec(data)


@pytest.mark.parametrize("block", ["asset", "background"])
def test_a_zero_weight_turns_an_option_off(block: str) -> None:
    if block == "asset":
        options = [{"weight": 0, "asset": {"kind": "shape", "shapes": ["star"]}},
                   {"weight": 1, "asset": {"kind": "shape", "shapes": ["circle"]}}]
        data = spec_data(MIXED_DATA, objects=[{"name": "c", "count": 2,
                                               "asset": {"kind": "choice", "options": options}}])
    else:
        options = [{"weight": 0, "background": {"kind": "solid"}},
                   {"weight": 2, "background": {"kind": "noise"}}]
        data = spec_data(MIXED_DATA, background={"kind": "mix", "options": options})
    spec = make_spec(data)
    for index in range(8):
        plan = sample_plan(spec, 0, index).to_dict()
        records = ([o["asset"] for o in plan["objects"]] if block == "asset"
                   else [plan["background"]])
        assert records and all(r["option"] == 1 for r in records)
