"""The dice scene and what it added: leaning dice, pip size and spacing, the tray background."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from renderer.backgrounds import render_background, sample_background
from renderer.backgrounds.tray import TrayParams
from renderer.mesh.material import base_color
from renderer.mesh.procedural import face_up
from renderer.mesh.sources import mesh_of
from renderer.plan import sample_plan
from renderer.randomizers.pose3d import sample_camera, sample_mesh_pose
from renderer.render import render_sample
from renderer.spec.camera import Camera
from renderer.spec.load import load_spec
from renderer.spec.objects import MeshPose

pytest.importorskip("trimesh")
ROOT = Path(__file__).resolve().parents[1]
DIE = {"kind": "mesh", "source": "dice", "edge_radius": 0.2, "aspect": 1.0, "detail": 2}


def _pose(tilt: float, seed: int) -> tuple[dict, np.ndarray]:
    camera = sample_camera(Camera(elevation=90, distance=0.3), rng=np.random.default_rng(0),
                           width=64, height=64)
    mesh = mesh_of(DIE, load_spec(ROOT / "scenes" / "dice.yaml").context)
    pose = sample_mesh_pose(MeshPose(rest_on="ground", tilt=tilt), rng=np.random.default_rng(seed),
                            camera=camera, mesh=mesh, size=0.016, width=64, height=64, dice=True)
    lowest = ((mesh.vertices.astype(float) * 0.016) @ np.asarray(pose["R"]).T)[:, 2].min()
    return pose, lowest + pose["t"][2]


@pytest.mark.parametrize("seed", range(5))
def test_leaning_die_touches_the_ground_at_its_tilt_and_reads_its_top_face(seed: int) -> None:
    flat, flat_low = _pose(0, seed)
    leaning, low = _pose(20, seed)
    assert abs(flat_low) < 1e-9 and abs(low) < 1e-9
    r = np.asarray(leaning["R"])
    # the face pointing most upward is 20 degrees off the vertical
    up_axis = np.abs(r[2]).max()
    assert np.degrees(np.arccos(up_axis)) == pytest.approx(20, abs=1e-6)
    assert leaning["face_up"] == face_up(r)
    # with no tilt asked for, the draws stop where they did before tilt existed
    assert np.degrees(np.arccos(np.abs(np.asarray(flat["R"])[2]).max())) == pytest.approx(0, abs=1e-6)


def _die_mesh() -> object:
    return mesh_of(DIE, load_spec(ROOT / "scenes" / "dice.yaml").context)


def _top_face_pip_share(radius: float, spacing: float) -> float:
    u, v = np.meshgrid(np.linspace(-0.3, 0.3, 121), np.linspace(-0.3, 0.3, 121))
    points = np.column_stack([u.ravel(), v.ravel(), np.full(u.size, 0.5)]).astype(np.float32)
    material = {"color": [200, 0, 0], "marble": None, "pip_color": [0, 0, 255],
                "pip_radius": radius, "pip_spacing": spacing}
    colour = base_color({"material": material, "source": "dice"}, _die_mesh(), points,
                        np.zeros(len(points), np.int64), np.zeros((len(points), 3), np.float32),
                        np.full(len(points), 1e-3, np.float32))
    return float((colour[:, 2] > 0.5).mean())


def test_pip_radius_and_spacing_size_and_place_the_pips() -> None:
    # +z shows 1: one pip of area pi r^2 in the 0.6 x 0.6 window
    assert _top_face_pip_share(0.085, 0.25) == pytest.approx(np.pi * 0.085**2 / 0.36, rel=0.05)
    assert _top_face_pip_share(0.11, 0.25) == pytest.approx(np.pi * 0.11**2 / 0.36, rel=0.05)
    # a 6 (on -z) has a pip at (spacing, 0): spacing moves it onto the point
    points = np.array([[0.27, 0.0, -0.5]], np.float32)
    near = {"color": [200, 0, 0], "marble": None, "pip_color": [0, 0, 255]}
    for spacing, on_pip in ((0.25, False), (0.27, True)):
        material = {**near, "pip_radius": 0.015, "pip_spacing": spacing}
        colour = base_color({"material": material, "source": "dice"}, _die_mesh(), points,
                            np.zeros(1, np.int64), np.zeros((1, 3), np.float32),
                            np.full(1, 1e-3, np.float32))
        assert (colour[0, 2] > 0.5) == on_pip


def test_tray_background_draws_floor_wall_rim_and_outside() -> None:
    params = TrayParams(floor={"rgb": (100, 100, 100)}, wall={"rgb": (200, 200, 200)},
                        rim={"rgb": (10, 10, 10)}, outside={"rgb": (250, 250, 250)},
                        floor_size=0.5, wall_width=0.1, rim_width=0.05, wall_light=0)
    ctx = load_spec(ROOT / "scenes" / "dice.yaml").context
    record = sample_background(params, rng=np.random.default_rng(3), ctx=ctx)
    image = render_background(record, 200, 200, ctx)
    cx, cy = (int(round(c * 200)) for c in record["centre"])
    assert abs(int(image[cy, cx, 0]) - 100) < 40  # floor (with grain)
    inward = -1 if cx >= 100 else 1  # towards the side of the canvas with room for the frame
    assert image[cy, cx + inward * 60].tolist() == [200, 200, 200]  # wall: 50-70 px out
    assert image[cy, cx + inward * 75, 0] < 120  # rim (dark, a few speckles): 70-80 px out
    assert image[cy, cx + inward * 100].tolist() == [250, 250, 250]  # outside
    again = render_background(record, 200, 200, ctx)
    assert np.array_equal(image, again)


def test_dice_scene_labels_each_die_with_the_face_its_pose_shows_up() -> None:
    spec = load_spec(ROOT / "scenes" / "dice.yaml")
    plan = sample_plan(spec, 0, 2)
    dice = [o for o in plan.objects if o.asset["source"] == "dice"]
    assert dice and all(o.class_name == str(face_up(np.asarray(o.pose["R"]))) for o in dice)
    assert all(o.class_name is None for o in plan.objects if o.asset["source"] != "dice")
    sample = render_sample(spec, 0, 2)
    assert sample.image.shape == (640, 640, 3)
    for label in sample.objects:
        assert label.class_name == str(label.pose["face_up"])
    boxes = np.array([o.bbox for o in sample.objects])
    sides = np.sqrt(np.prod(boxes[:, 2:] - boxes[:, :2], axis=1))
    assert len(sample.objects) <= len(dice) and ((sides > 8) & (sides < 120)).all()
