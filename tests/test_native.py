"""``canvas.native``: frames drawn at another size, then resized to the canvas with their labels."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest
from core_helpers import make_spec, run_cli, write_yaml

from renderer.plan import sample_plan
from renderer.render import render_sample


def _scene(native: dict[str, Any] | None = None,
           background: dict[str, Any] | None = None) -> dict[str, Any]:
    canvas: dict[str, Any] = {"width": 48, "height": 40}
    if native is not None:
        canvas["native"] = native
    return {"canvas": canvas, "background": background or {"kind": "noise"},
            "objects": [{"name": "shapes", "asset": {"kind": "shape"}, "count": 3,
                         "pose": {"scale": [0.2, 0.4], "max_truncation": 0.3}}],
            "effects": [{"kind": "blur", "sigma": [0.5, 1.5]}]}


def test_scale_one_is_the_frame_drawn_at_canvas_size() -> None:
    plain = render_sample(make_spec(_scene()), 3, 5)
    native = render_sample(make_spec(_scene({"scale": 1})), 3, 5)
    assert native.plan["extra"]["native"]["width"] == 48
    assert np.array_equal(plain.image, native.image)
    assert np.array_equal(plain.instance_map, native.instance_map)
    assert [o.bbox for o in plain.objects] == [o.bbox for o in native.objects]


def test_other_draws_are_the_same_numbers_in_the_larger_frame() -> None:
    """Poses are drawn as fractions of the frame: at 4x the canvas every position and size is 4x."""
    plain = sample_plan(make_spec(_scene()), 3, 5)
    native = sample_plan(make_spec(_scene({"scale": 4})), 3, 5)
    assert (native.width, native.height) == (192, 160)
    for a, b in zip(plain.objects, native.objects, strict=True):
        assert b.pose["x"] == pytest.approx(4 * a.pose["x"])
        assert b.pose["size"] == pytest.approx(4 * a.pose["size"])
        assert a.material == b.material and a.asset == b.asset
    assert plain.effects == native.effects and plain.lighting == native.lighting


def test_labels_follow_the_resize() -> None:
    sample = render_sample(make_spec(_scene({"scale": 5, "interpolation": "area"})), 0, 2)
    assert sample.image.shape == (40, 48, 3) and sample.instance_map.shape == (40, 48)
    native_plan = sample.plan
    assert sample.objects
    for obj in sample.objects:
        ys, xs = np.nonzero(sample.instance_map == obj.object_id)
        x0, y0, x1, y1 = obj.bbox
        # the visible box is the instance map's, to a pixel of rounding
        assert abs(xs.min() - x0) <= 1 and abs(xs.max() + 1 - x1) <= 1
        assert abs(ys.min() - y0) <= 1 and abs(ys.max() + 1 - y1) <= 1
    sizes = [o["pose"]["size"] for o in native_plan["objects"]]
    assert min(sizes) > 48 * 0.2 * 4  # the objects were drawn in the native frame


def test_an_unfiltered_shrink_keeps_hard_edges() -> None:
    """Bilinear shrinking of a 6x frame samples it (the GTSRB look): fine stripes behind the
    objects alias into a pattern where the area filter averages them to a flat grey."""
    def sharpness(interpolation: str) -> float:
        data = _scene({"scale": 6, "interpolation": interpolation},
                      background={"kind": "stripes", "period": 3})
        image = render_sample(make_spec({**data, "effects": []}), 1, 0).image
        return float(np.abs(cv2.Laplacian(image, cv2.CV_32F)).mean())

    assert sharpness("linear") > 2 * sharpness("area")


def test_p_decides_per_image() -> None:
    spec = make_spec(_scene({"p": 0.3, "scale": [2, 3]}))
    drawn = ["native" in sample_plan(spec, 0, i).extra for i in range(200)]
    assert 0.2 < np.mean(drawn) < 0.4
    assert all(render_sample(spec, 0, i).image.shape == (40, 48, 3) for i in range(6))


@pytest.mark.parametrize(("size", "native", "message"), [
    (48, {"scale": 300}, "canvas.native.scale"),
    (2048, {"scale": [1, 4]}, "lower native.scale"),  # 4x of 2048 px exceeds the pixel cap
    (48, {"scale": 4, "interpolation": "lanczos"}, "interpolation"),
])
def test_bad_native_is_one_clear_line(tmp_path: Any, size: int, native: dict[str, Any],
                                      message: str) -> None:
    data = _scene(native)
    data["canvas"].update(width=size, height=size)
    spec = write_yaml(tmp_path / "scene.yaml", data)
    result = run_cli("render", str(spec), "-n", "1", "-o", str(tmp_path / "out"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_native_and_mass_centring_do_not_mix() -> None:
    data = {**_scene({"scale": 2}), "task": "classification",
            "classification": {"center": "mass"}}
    data["objects"][0]["count"] = 1
    with pytest.raises(ValueError, match=r"canvas\.native"):
        make_spec(data)


def test_a_mesh_scene_gets_the_canvas_camera_back() -> None:
    pytest.importorskip("trimesh")
    pytest.importorskip("embreex")
    data = {"canvas": {"width": 80, "height": 60}, "background": {"kind": "solid"},
            "camera": {"fov": 50, "elevation": 55, "azimuth": 30, "distance": 0.6},
            "objects": [{"name": "cube", "asset": {"kind": "mesh", "source": {"procedural": "box"},
                                                   "size": 0.12},
                         "pose": {"rotation": "uniform_so3", "rest_on": "ground"}}]}
    plain = render_sample(make_spec(data), 0, 0)
    data["canvas"] = {**data["canvas"], "native": {"scale": 2, "interpolation": "area"}}
    native = render_sample(make_spec(data), 0, 0)
    assert np.allclose(native.camera["K"], plain.camera["K"])
    assert native.depth.shape == (60, 80) and native.normals.shape[:2] == (60, 80)
    # the cube drawn at twice the size and shrunk covers the same pixels, to its edge
    a, b = plain.instance_map > 0, native.instance_map > 0
    assert (a ^ b).sum() <= 0.15 * a.sum()
