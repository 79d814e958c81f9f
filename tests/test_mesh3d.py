"""3D mesh objects: depth against analytic surfaces, poses against the drawn pixels (PnP),
masks against z-buffer ownership, 3D labels on disk (COCO, BOP) and bad mesh files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from core_helpers import make_spec, run_cli, tree_digest, write_yaml
from pycocotools import mask as mask_utils

pytest.importorskip("trimesh")
pytest.importorskip("embreex")

from renderer.mesh.sources import mesh_of
from renderer.plan import plan_from_dict, sample_plan
from renderer.render import render_plan, render_sample
from renderer.writers.depth import read_depth_png

CAMERA = {"fov": 50, "elevation": 55, "azimuth": 30, "distance": 0.6}


def mesh_scene(objects: list[dict[str, Any]], camera: dict[str, Any] | None = None,
               **extra: Any) -> dict[str, Any]:
    return {"canvas": {"width": 160, "height": 120}, "background": {"kind": "solid"},
            "camera": camera or CAMERA, "objects": objects,
            "lighting": {"directional": {"p": 1}}, **extra}


def layer(source: dict[str, Any], size: float = 0.12, count: int = 1, **pose: Any) -> dict[str, Any]:
    return {"name": source.get("procedural", "mesh"), "count": count,
            "asset": {"kind": "mesh", "source": source, "size": size},
            "pose": {"rotation": "uniform_so3", "rest_on": "ground", "x": [0.3, 0.7],
                     "y": [0.3, 0.7], "max_occlusion": 1, **pose}}


def pixel_rays(k: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W, 3) camera-frame ray directions (z = 1) through every pixel centre."""
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]] + 0.5
    return np.stack([(xs - k[0, 2]) / k[0, 0], (ys - k[1, 2]) / k[1, 1], np.ones_like(xs)], -1)


def test_depth_of_a_flat_top_matches_the_plane() -> None:
    """The top of a low box is the plane z = h: its depth is (n.t + h) / (n.d) per pixel."""
    spec = make_spec(mesh_scene([layer({"procedural": "box", "edge_radius": 0, "aspect": 0.05},
                                       size=0.3, x=0.5, y=0.5)]))
    sample = render_sample(spec, 0, 0)
    k, r, t = (np.asarray(sample.camera[n]) for n in ("K", "R", "t"))
    box_pose = sample.plan["objects"][0]["pose"]
    half_height = 0.5 * 0.05 * 0.3
    h = box_pose["t"][2] + half_height  # world height of the top face
    n = r[:, 2]
    rays = pixel_rays(k, sample.depth.shape)
    expected = (n @ t + h) / (rays @ n)
    up = np.abs(sample.normals @ n - 1) < 1e-4
    inner = cv2.erode((up & (sample.depth > 0)).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert inner.sum() > 500
    np.testing.assert_allclose(sample.depth[inner], expected[inner], rtol=2e-5)


def test_depth_of_a_sphere_matches_ray_sphere_intersection() -> None:
    spec = make_spec(mesh_scene([layer({"procedural": "sphere", "detail": 5}, size=0.2,
                                       x=0.5, y=0.5)]))
    sample = render_sample(spec, 0, 1)
    k = np.asarray(sample.camera["K"])
    pose = sample.objects[0].pose
    centre, radius = np.asarray(pose["t"]), 0.5 * pose["scale"]
    rays = pixel_rays(k, sample.depth.shape)
    b = rays @ centre
    d2 = (rays * rays).sum(-1)
    disc = b * b - d2 * (centre @ centre - radius**2)
    inside = disc > 0.05 * d2 * radius**2  # away from the limb, where facets cut the outline
    expected = (b - np.sqrt(np.maximum(disc, 0))) / d2
    hit = inside & (sample.depth > 0)
    assert hit.sum() > 1000 and hit.sum() == inside.sum()
    # The icosphere's flat faces lie inside the sphere by at most ``sag`` (from the mesh itself);
    # along a ray meeting the surface at angle a that is a depth error of at most sag / cos(a).
    mesh = mesh_of(sample.plan["objects"][0]["asset"], spec.context)
    tri = mesh.vertices[mesh.faces].astype(np.float64)
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    plane = np.abs((normal * tri[:, 0]).sum(1)) / np.linalg.norm(normal, axis=1)
    sag = (0.5 - plane.min()) * pose["scale"]
    cos_incidence = np.sqrt(np.maximum(disc, 0) / d2) / radius
    error = sample.depth - expected
    assert (error[hit] > -1e-6).all()  # never in front of the true sphere
    assert (error[hit] <= sag / cos_incidence[hit] + 1e-6).all()
    assert sag < 1e-3 * radius


@pytest.mark.parametrize("source", [{"procedural": "torus"}, {"procedural": "dice"},
                                    {"procedural": "glyph", "text": "R"}])
def test_projected_vertices_land_on_the_silhouette(source: dict[str, Any]) -> None:
    spec = make_spec(mesh_scene([layer(source, x=0.5, y=0.5)]))
    sample = render_sample(spec, 0, 2)
    obj = sample.objects[0]
    mesh = mesh_of(sample.plan["objects"][0]["asset"], spec.context)
    cam = mesh.vertices * obj.pose["scale"] @ np.asarray(obj.pose["R"]).T + obj.pose["t"]
    uv = cam @ np.asarray(sample.camera["K"]).T
    uv = uv[:, :2] / uv[:, 2:]
    silhouette = cv2.dilate(sample.amodal_mask(0).astype(np.uint8), np.ones((3, 3), np.uint8))
    cols, rows = np.floor(uv).astype(int).T
    assert silhouette[rows, cols].all(), "a vertex projects outside the drawn silhouette"
    # and the silhouette is no bigger than the projected mesh (its pixels are covered by it)
    drawn = np.zeros_like(silhouette)
    for tri in mesh.faces:
        cv2.fillConvexPoly(drawn, np.round(uv[tri] * 16 - 8).astype(np.int32), 1, cv2.LINE_8, 4)
    drawn = cv2.dilate(drawn, np.ones((3, 3), np.uint8))
    assert (drawn[sample.amodal_mask(0)] == 1).all()


def test_pnp_on_a_cubes_projected_corners_gives_back_its_pose() -> None:
    spec = make_spec(mesh_scene([layer({"procedural": "box", "edge_radius": 0}, x=0.5, y=0.5)]))
    sample = render_sample(spec, 0, 3)
    obj = sample.objects[0]
    mesh = mesh_of(sample.plan["objects"][0]["asset"], spec.context)
    corners = mesh.corners() * obj.pose["scale"]
    image_points = obj.keypoints[1:, :2].astype(np.float64)
    # the labelled corners are where the cube is drawn: visible ones sit on its outline
    mask = cv2.dilate(sample.amodal_mask(0).astype(np.uint8), np.ones((3, 3), np.uint8))
    for (x, y), v in zip(image_points, obj.keypoints[1:, 2], strict=True):
        if v > 0:
            assert mask[int(y), int(x)], (x, y)
    assert (obj.keypoints[1:, 2] == 2).sum() >= 4  # a cube shows at least 4 corners
    ok, rvec, tvec = cv2.solvePnP(corners, image_points, np.asarray(sample.camera["K"]), None,
                                  flags=cv2.SOLVEPNP_ITERATIVE)
    assert ok
    rotation = cv2.Rodrigues(rvec)[0]
    angle = np.degrees(np.arccos(np.clip((np.trace(rotation.T @ np.asarray(obj.pose["R"])) - 1) / 2,
                                         -1, 1)))
    assert angle < 1e-3
    np.testing.assert_allclose(tvec.ravel(), obj.pose["t"], atol=1e-6)


def test_masks_are_z_buffer_ownership() -> None:
    """Each pixel belongs to the object nearest the camera there (objects drawn alone agree)."""
    data = mesh_scene([layer({"procedural": "dice"}, count=3, x=[0.4, 0.6], y=[0.4, 0.6]),
                       layer({"procedural": "torus"}, count=2, x=[0.4, 0.6], y=[0.4, 0.6])])
    spec = make_spec(data)
    plan = sample_plan(spec, 0, 4)
    sample = render_plan(plan, spec)
    alone = []
    for keep in range(len(plan.objects)):
        d = plan.to_dict()
        d["objects"] = [o for j, o in enumerate(d["objects"]) if j == keep]
        alone.append(np.where(render_plan(plan_from_dict(d), spec).depth > 0,
                              render_plan(plan_from_dict(d), spec).depth, np.inf))
    stack = np.stack(alone)
    nearest = np.where(np.isfinite(stack.min(0)), stack.argmin(0) + 1, 0)
    assert (nearest > 0).sum() > 1000
    assert np.array_equal(nearest, sample.instance_map)
    assert np.array_equal(np.where(nearest > 0, stack.min(0), 0), sample.depth)
    overlapping = (np.isfinite(stack).sum(0) > 1).sum()
    assert overlapping > 50, "the scene must test occlusion"
    for k, obj in enumerate(sample.objects):
        assert np.array_equal(sample.visible_mask(k), sample.instance_map == obj.object_id)


def test_dice_class_is_the_face_up() -> None:
    spec = make_spec(mesh_scene([layer({"procedural": "dice"}, count=3)],
                                camera={"fov": 50, "elevation": 90, "distance": 0.6}))
    seen = set()
    for index in range(12):
        sample = render_sample(spec, 0, index)
        for obj in sample.objects:
            r_m2c = np.asarray(obj.pose["R"])
            # straight down: the face whose normal points at the camera (-z camera) is up
            faces = {(2, 1): 1, (2, -1): 6, (1, 1): 2, (1, -1): 5, (0, 1): 3, (0, -1): 4}
            towards_camera = r_m2c.T @ np.array([0.0, 0.0, -1.0])
            axis = int(np.abs(towards_camera).argmax())
            assert obj.class_name == str(faces[(axis, int(np.sign(towards_camera[axis])))])
            assert obj.pose["face_up"] == int(obj.class_name)
            seen.add(obj.class_name)
    assert len(seen) >= 4


# pycocotools 2.0.11 decodes through a numpy-1 style ``__array__`` (its bug, not ours).
@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_coco_and_bop_carry_3d_labels(tmp_path: Path) -> None:
    data = mesh_scene([layer({"procedural": "dice"}, count=2), layer({"procedural": "sphere"})],
                      output={"image_format": "png"})
    spec_path = write_yaml(tmp_path / "scene.yaml", data)
    spec = make_spec(data)
    samples = [render_sample(spec, 0, i) for i in range(2)]
    for fmt in ("coco", "bop"):
        proc = run_cli("render", spec_path, "-n", "2", "-o", tmp_path / fmt, "--format", fmt,
                       "--workers", "1", "--quiet")
        assert proc.returncode == 0, proc.stderr
    coco = json.loads((tmp_path / "coco" / "annotations.json").read_text())
    for image, sample in zip(coco["images"], samples, strict=True):
        depth = read_depth_png((tmp_path / "coco" / image["depth_file"]).read_bytes())
        assert np.abs(depth - sample.depth).max() <= 0.0005 + 1e-7
        assert image["camera"]["K"] == sample.camera["K"]
        anns = [a for a in coco["annotations"] if a["image_id"] == image["id"]]
        for ann, obj in zip(anns, sample.objects, strict=True):
            np.testing.assert_allclose(ann["pose"]["R"], obj.pose["R"], atol=1e-8)
            np.testing.assert_allclose(ann["pose"]["t"], obj.pose["t"], atol=1e-8)
            assert np.array_equal(mask_utils.decode(ann["segmentation"]).astype(bool),
                                  sample.visible_mask(sample.objects.index(obj)))
            assert len(ann["keypoints"]) == 27
    scene = tmp_path / "bop" / "000000"
    gt = json.loads((scene / "scene_gt.json").read_text())
    info = json.loads((scene / "scene_gt_info.json").read_text())
    cam = json.loads((scene / "scene_camera.json").read_text())
    for i, sample in enumerate(samples):
        np.testing.assert_allclose(np.reshape(cam[str(i)]["cam_K"], (3, 3)), sample.camera["K"])
        for k, obj in enumerate(sample.objects):
            entry = gt[str(i)][k]
            assert entry["obj_id"] == obj.category_id + 1
            np.testing.assert_allclose(np.reshape(entry["cam_R_m2c"], (3, 3)), obj.pose["R"],
                                       atol=1e-8)
            np.testing.assert_allclose(entry["cam_t_m2c"], np.asarray(obj.pose["t"]) * 1000,
                                       atol=1e-5)
            assert info[str(i)][k]["px_count_visib"] == obj.area
            visib = cv2.imread(str(scene / "mask_visib" / f"{i:06d}_{k:06d}.png"), 0) > 0
            assert np.array_equal(visib, sample.visible_mask(k))
            whole = cv2.imread(str(scene / "mask" / f"{i:06d}_{k:06d}.png"), 0) > 0
            assert np.array_equal(whole, sample.amodal_mask(k))
        depth = cv2.imread(str(scene / "depth" / f"{i:06d}.png"), cv2.IMREAD_UNCHANGED)
        assert depth.dtype == np.uint16
        assert np.abs(depth / 1000.0 - sample.depth).max() <= 0.0005 + 1e-7


def test_same_bytes_across_workers_and_index(tmp_path: Path) -> None:
    data = mesh_scene([layer({"procedural": "dice"}, count=2), layer({"procedural": "torus"})])
    spec_path = write_yaml(tmp_path / "scene.yaml", data)
    outs = {}
    for name, args in {"w1": ["--workers", "1"], "w2": ["--workers", "2", "--shard-size", "2"],
                       "index": ["--workers", "1", "--index", "3"]}.items():
        proc = run_cli("render", spec_path, "-n", "5", "-o", tmp_path / name, "--quiet", *args)
        assert proc.returncode == 0, proc.stderr
        outs[name] = tree_digest(tmp_path / name)
    for rel in ("images/000003.jpg", "depth/000003.png"):
        assert outs["w1"][rel] == outs["w2"][rel] == outs["index"][rel]
    assert {k: v for k, v in outs["w1"].items() if k.startswith(("images", "depth"))} == {
        k: v for k, v in outs["w2"].items() if k.startswith(("images", "depth"))}


def test_bop_needs_a_3d_scene(tmp_path: Path) -> None:
    spec_path = write_yaml(tmp_path / "flat.yaml", {"objects": [{"asset": {"kind": "shape"}}]})
    proc = run_cli("render", spec_path, "-n", "1", "-o", tmp_path / "out", "--format", "bop")
    assert proc.returncode == 2 and "--format bop needs 3D objects" in proc.stderr
    assert not (tmp_path / "out").exists()
