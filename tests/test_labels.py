"""Labels come from pixels: boxes, masks, visibility, truncation and keypoint flags agree with the
rendered instance map, for random small scenes (hypothesis) and for constructed edge cases."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from core_helpers import make_spec
from hypothesis import given, settings
from hypothesis import strategies as st

from renderer.render import render_sample
from renderer.sample import Sample

ASSETS = [{"kind": "shape"}, {"kind": "shape", "shapes": ["star", "polygon", "ring"]},
          {"kind": "glyph", "text": ["A", "7", "g"]}, {"kind": "cutout", "dir": "builtin:cutouts"}]
PROPERTY_SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)


@st.composite
def _layers(draw: st.DrawFn, index: int) -> dict[str, Any]:
    lo = draw(st.floats(0.1, 0.7))
    return {
        "name": f"layer{index}",
        "asset": draw(st.sampled_from(ASSETS)),
        "labeled": index == 0 or draw(st.booleans()),
        "count": draw(st.integers(1, 4)),
        "pose": {
            "scale": [lo, lo + draw(st.floats(0, 0.5))],
            "x": draw(st.sampled_from([[0, 1], [-0.3, 1.3], 0.5])),
            "y": draw(st.sampled_from([[0, 1], [-0.3, 1.3]])),
            "rotation": draw(st.sampled_from([0, [-180, 180]])),
            "yaw": draw(st.sampled_from([0, [-60, 60]])),
            "pitch": draw(st.sampled_from([0, [-60, 60]])),
            "flip_h": draw(st.sampled_from([0, 0.5])),
            "aspect": draw(st.sampled_from([1, [0.3, 3]])),
            "max_truncation": draw(st.sampled_from([0.0, 0.3, 1.0])),
            "max_occlusion": draw(st.sampled_from([0.6, 1.0])),
        },
        "blend": {"modes": draw(st.sampled_from(["none", "feather", "motion", "poisson"]))},
    }


@st.composite
def detection_scenes(draw: st.DrawFn) -> tuple[dict[str, Any], int, int]:
    n_layers = draw(st.integers(1, 3))
    data = {
        "canvas": {"width": draw(st.integers(16, 96)), "height": draw(st.integers(16, 96)),
                   "mode": draw(st.sampled_from(["rgb", "gray"]))},
        "background": {"kind": draw(st.sampled_from(["noise", "solid", "checker"]))},
        "objects": [draw(_layers(i)) for i in range(n_layers)],
        "shuffle_depth": draw(st.booleans()),
        "lighting": {"directional": {"p": draw(st.sampled_from([0.0, 1.0]))}},
    }
    return data, draw(st.integers(0, 2**32)), draw(st.integers(0, 10**6))


def check_labels(sample: Sample, *, classification: bool = False) -> None:
    """Every label property that must hold for any rendered sample."""
    id_map = sample.instance_map
    height, width = id_map.shape
    assert sample.image.shape[:2] == (height, width) and id_map.dtype == np.uint16
    plan_objects = sample.plan["objects"]
    labeled_ids = {k + 1 for k, o in enumerate(plan_objects) if o["labeled"]}
    visible_ids = set(np.unique(id_map).tolist()) - {0}
    assert visible_ids <= set(range(1, len(plan_objects) + 1))
    assert [o.object_id for o in sample.objects] == sorted(labeled_ids & visible_ids), \
        "exactly the labeled objects with a visible pixel get a label, back to front"
    depths = [o.depth for o in sample.objects]
    assert depths == sorted(set(depths))
    for k, obj in enumerate(sample.objects):
        plan = plan_objects[obj.object_id - 1]
        assert obj.class_name == plan["class_name"] == sample.class_names[obj.category_id]
        assert obj.layer == plan["layer"]
        visible = sample.visible_mask(k)
        assert obj.area == int(visible.sum()) > 0
        ys, xs = np.nonzero(visible)
        assert obj.bbox == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1), \
            "the visible box is the extent of the visible mask"
        amodal = sample.amodal_mask(k)
        assert not (visible & ~amodal).any(), "the amodal mask contains the visible mask"
        assert obj.amodal_area >= int(amodal.sum()) >= obj.area
        assert 0 < obj.visibility <= 1
        assert obj.visibility == pytest.approx(obj.area / obj.amodal_area)
        ax0, ay0, ax1, ay1 = obj.amodal_bbox
        bx0, by0, bx1, by1 = obj.bbox
        if not classification:
            assert ax0 <= bx0 and ay0 <= by0 and ax1 >= bx1 and ay1 >= by1
            assert obj.truncated == (ax0 < 0 or ay0 < 0 or ax1 > width or ay1 > height)
            if not obj.truncated:
                assert obj.amodal_area == int(amodal.sum())
        check_keypoints(sample, k)
    semantic = sample.semantic_mask()
    for k, obj in enumerate(sample.objects):
        assert (semantic[sample.visible_mask(k)] == obj.category_id + 1).all()
    labeled_pixels = np.isin(id_map, [o.object_id for o in sample.objects])
    assert not semantic[~labeled_pixels].any()


def check_keypoints(sample: Sample, k: int) -> None:
    """COCO flags: 0 absent or outside the canvas, 1 under an object in front, 2 visible."""
    obj = sample.objects[k]
    height, width = sample.instance_map.shape
    names = sample.keypoint_names[obj.class_name]
    assert obj.keypoints.shape == (len(names), 3) and obj.keypoints.dtype == np.float32
    for x, y, v in obj.keypoints:
        assert v in (0, 1, 2)
        if v == 0:
            assert x == 0 and y == 0
            continue
        assert 0 <= x < width and 0 <= y < height
        covering = int(sample.instance_map[int(y), int(x)])
        assert (v == 1) == (covering > obj.object_id)


@PROPERTY_SETTINGS
@given(detection_scenes())
def test_labels_agree_with_pixels(scene: tuple[dict[str, Any], int, int]) -> None:
    data, seed, index = scene
    check_labels(render_sample(make_spec(data), seed, index))


@PROPERTY_SETTINGS
@given(st.integers(0, 2**32), st.integers(0, 10**6), st.sampled_from(["none", "mass"]),
       st.sampled_from([1, 2]))
def test_classification_labels_agree_with_pixels(seed: int, index: int, center: str,
                                                 supersample: int) -> None:
    data = {
        "task": "classification",
        "canvas": {"width": 28, "height": 28, "mode": "gray"},
        "background": {"kind": "solid", "color": {"rgb": [0, 0, 0]}},
        "objects": [{"asset": {"kind": "glyph", "text": ["0", "1", "7"]},
                     "pose": {"scale": [0.4, 0.9], "rotation": [-20, 20]},
                     "material": {"color": {"value": [0.5, 1]}}},
                    {"asset": {"kind": "shape", "shapes": ["circle"]}, "labeled": False,
                     "count": [0, 1], "pose": {"scale": 0.2}}],
        "classification": {"center": center, "box": 20, "supersample": supersample},
    }
    sample = render_sample(make_spec(data), seed, index)
    assert sample.image.shape == (28, 28, 1)
    check_labels(sample, classification=center == "mass")
    labeled = [o for o in sample.plan["objects"] if o["labeled"]]
    assert sample.label == sample.class_names.index(labeled[0]["class_name"])


def _scene(*layers: dict[str, Any], size: int = 64) -> dict[str, Any]:
    return {"canvas": {"width": size, "height": size},
            "background": {"kind": "solid", "color": {"rgb": [0, 0, 0]}},
            "objects": list(layers), "shuffle_depth": False}


def _rectangle(name: str, x: float, y: float, scale: float, **extra: Any) -> dict[str, Any]:
    return {"name": name, "asset": {"kind": "shape", "shapes": ["rectangle"], "aspect": 1},
            "pose": {"x": x, "y": y, "scale": scale, "max_truncation": 1.0, "max_occlusion": 1.0},
            **extra}


def _occluder(x: float, y: float, scale: float, shape: str = "rectangle") -> dict[str, Any]:
    return {"name": "occluder", "asset": {"kind": "shape", "shapes": [shape], "aspect": 1},
            "labeled": False,
            "pose": {"x": x, "y": y, "scale": scale, "max_truncation": 1.0}}


def test_stacked_object_hangs_under_the_first_on_one_post() -> None:
    sign = {**_rectangle("sign", 0.5, 0.25, 0.2),
            "mount": {"length": 1, "width": 0.2, "color": {"rgb": [90, 90, 90]},
                      "stack_p": 1, "stack_scale": 0.5, "stack_gap": 0.25}}
    sample = render_sample(make_spec(_scene(sign)), 0, 0)
    post, upper, lower = sample.plan["objects"]
    assert (post["layer"], upper["layer"], lower["layer"]) == ("sign.mount", "sign", "sign.stacked")
    assert lower["labeled"] and lower["class_name"] == "rectangle"
    check_labels(sample)
    top, below = sample.objects
    # the lower box is half the size, a quarter of the upper's height under it, same centre x
    height = top.bbox[3] - top.bbox[1]
    assert below.bbox[3] - below.bbox[1] == pytest.approx(height / 2, abs=1)
    assert below.bbox[1] - top.bbox[3] == pytest.approx(height / 4, abs=1)
    assert (below.bbox[0] + below.bbox[2]) / 2 == pytest.approx((top.bbox[0] + top.bbox[2]) / 2,
                                                                  abs=0.5)
    # the post starts under the lower object (one lower-object height long)
    assert post["pose"]["y"] - post["pose"]["size"] / 2 == pytest.approx(
        (below.bbox[1] + below.bbox[3]) / 2, abs=1)


def test_fully_hidden_object_gets_no_label() -> None:
    data = _scene(_rectangle("small", 0.5, 0.5, 0.15), _occluder(0.5, 0.5, 2.0))
    sample = render_sample(make_spec(data), 0, 0)
    assert len(sample.plan["objects"]) == 2 and sample.plan["dropped"] == 0
    assert sample.objects == ()
    assert (sample.instance_map == 2).all()
    assert sample.label is None and not sample.semantic_mask().any()


def test_half_hidden_object_reports_its_visibility() -> None:
    data = _scene(_rectangle("target", 0.5, 0.5, 0.5), _occluder(0.25, 0.5, 0.5))
    sample = render_sample(make_spec(data), 0, 0)
    (obj,) = sample.objects
    check_labels(sample)
    assert obj.visibility == pytest.approx(0.5, abs=0.05)
    assert obj.amodal_bbox == (16.0, 16.0, 48.0, 48.0)
    assert obj.bbox == (32.0, 16.0, 48.0, 48.0)
    assert not obj.truncated


def test_keypoint_flags_outside_hidden_and_visible() -> None:
    # A 32 px square centred at (12.8, 32): its left corners fall outside the canvas, and a
    # small occluder sits on its centre.
    data = _scene(_rectangle("target", 0.2, 0.5, 0.5), _occluder(0.2, 0.5, 0.1, "circle"))
    sample = render_sample(make_spec(data), 0, 0)
    (obj,) = sample.objects
    names = sample.keypoint_names["rectangle"]
    assert names == ("center", "top_left", "top_right", "bottom_right", "bottom_left")
    flags = dict(zip(names, obj.keypoints[:, 2].tolist(), strict=True))
    assert flags == {"center": 1, "top_left": 0, "top_right": 2, "bottom_right": 2,
                     "bottom_left": 0}
    assert obj.keypoints[1].tolist() == [0, 0, 0] and obj.keypoints[4].tolist() == [0, 0, 0]
    assert obj.keypoints[0, :2] == pytest.approx([12.8, 32.0], abs=0.01)
    assert obj.keypoints[2, :2] == pytest.approx([28.8, 16.0], abs=0.01)
    check_labels(sample)


def test_object_crossing_the_border_is_truncated() -> None:
    data = _scene(_rectangle("edge", 0.0, 0.5, 0.5), _rectangle("inside", 0.75, 0.5, 0.25))
    sample = render_sample(make_spec(data), 0, 0)
    edge, inside = sample.objects
    assert edge.truncated and edge.amodal_bbox[0] < 0
    assert edge.visibility == pytest.approx(0.5, abs=0.05)
    assert edge.bbox[0] == 0
    assert edge.amodal_area == pytest.approx(32 * 32, rel=0.05)
    assert not inside.truncated and inside.visibility == 1.0
    assert inside.depth == 1 and edge.depth == 0
    check_labels(sample)


def test_unlabeled_objects_occlude_but_are_never_labeled() -> None:
    data = _scene(_occluder(0.5, 0.5, 0.5))
    sample = render_sample(make_spec(data), 0, 0)
    assert sample.objects == () and (sample.instance_map == 1).any()
    assert sample.class_names == ()


def test_mounted_object_stands_on_an_unlabeled_post_behind_it() -> None:
    sign = {**_rectangle("sign", 0.5, 0.3, 0.25),
            "mount": {"length": 2, "width": 0.2, "color": {"rgb": [90, 90, 90]}}}
    sample = render_sample(make_spec(_scene(sign)), 0, 0)
    post, target = sample.plan["objects"]
    assert post["layer"] == "sign.mount" and not post["labeled"] and target["labeled"]
    (obj,) = sample.objects
    check_labels(sample)
    assert obj.visibility == 1.0 and obj.bbox == (24.0, 11.0, 40.0, 27.0)
    # the post runs from the sign's centre two sign heights below its box, 0.2 sign widths wide
    assert (sample.instance_map[28:59, 31:33] == 1).all()
    assert (sample.instance_map[28:, 26] == 0).all() and (sample.instance_map[60:] == 0).all()
    assert post["pose"]["size"] == pytest.approx(16 * 2.5) and post["pose"]["y"] == pytest.approx(19.2 + 20)
