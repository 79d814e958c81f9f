"""Writers read back: COCO through pycocotools, YOLO through a parser, ImageFolder by layout; the
manifest; refusing to write into a non-empty folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import yaml
from core_helpers import CLASSIFICATION_DATA, DETECTION_DATA, MIXED_DATA, make_spec, spec_data
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from renderer.io import OutputError, decode_image
from renderer.render import render_sample
from renderer.run import RunConfig, run_dataset
from renderer.sample import Sample
from renderer.spec.scene import SceneSpec
from renderer.version import __version__

N = 6
SEED = 11
# pycocotools 2.0.11 decodes through a numpy-1 style ``__array__`` (its bug, not ours).
PYCOCOTOOLS_NUMPY2 = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
# Shapes, cutouts with keypoints, glyphs and an unlabeled occluder that hides some of them.
COCO_DATA = spec_data(MIXED_DATA, output={"image_format": "png", "semantic_mask": True})
COCO_DATA["objects"].append({"name": "occluder", "labeled": False, "count": [0, 2],
                             "asset": {"kind": "shape", "shapes": ["rectangle"]},
                             "pose": {"scale": [0.2, 0.4]}})
COCO_DATA["objects"][0]["pose"]["max_truncation"] = 0.6


def _render(spec: SceneSpec, out: Path, fmt: str, **options: Any) -> dict[str, Any]:
    return run_dataset(spec, RunConfig(out=out, n=N, seed=SEED, format=fmt, start=3,
                                       shard_size=4, options=options))


def _samples(spec: SceneSpec) -> list[Sample]:
    return [render_sample(spec, SEED, i) for i in range(3, 3 + N)]


@pytest.fixture(scope="module")
def coco_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SceneSpec, dict[str, Any]]:
    spec = make_spec(COCO_DATA)
    out = tmp_path_factory.mktemp("coco") / "ds"
    return out, spec, _render(spec, out, "coco")


@PYCOCOTOOLS_NUMPY2
def test_coco_round_trip_through_pycocotools(coco_run: tuple[Path, SceneSpec, dict[str, Any]],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out, spec, _ = coco_run
    coco = COCO(str(out / "annotations.json"))
    samples = _samples(spec)
    cats = coco.loadCats(coco.getCatIds())
    assert [c["id"] for c in cats] == list(range(1, len(samples[0].class_names) + 1))
    assert tuple(c["name"] for c in cats) == samples[0].class_names
    assert sorted(coco.getImgIds()) == [s.index for s in samples]
    ann_ids = sorted(coco.getAnnIds())
    assert ann_ids == list(range(1, len(ann_ids) + 1)), "annotation ids are 1..N"
    assert len(ann_ids) == sum(len(s.objects) for s in samples) > N
    for sample in samples:
        image = coco.loadImgs(sample.index)[0]
        assert image["file_name"] == f"{sample.index:06d}.png"
        assert (image["height"], image["width"]) == sample.canvas_size
        assert image["plan"] == sample.plan and image["spec_hash"] == spec.spec_hash()
        decoded = decode_image((out / "images" / image["file_name"]).read_bytes())
        assert np.array_equal(decoded, sample.image), "PNG images are lossless"
        anns = coco.loadAnns(coco.getAnnIds(imgIds=sample.index))
        assert len(anns) == len(sample.objects)
        for k, (ann, obj) in enumerate(zip(anns, sample.objects, strict=True)):
            assert np.array_equal(coco.annToMask(ann).astype(bool), sample.visible_mask(k))
            amodal = mask_utils.decode(ann["amodal_segmentation"]).astype(bool)
            assert np.array_equal(amodal, sample.amodal_mask(k))
            x0, y0, x1, y1 = obj.bbox
            assert ann["bbox"] == [x0, y0, x1 - x0, y1 - y0]
            assert ann["area"] == obj.area == int(mask_utils.area(ann["segmentation"]))
            assert ann["category_id"] == obj.category_id + 1
            assert cats[obj.category_id]["name"] == obj.class_name
            assert ann["iscrowd"] == 0 and ann["depth"] == obj.depth
            assert ann["visibility"] == pytest.approx(obj.visibility, abs=1e-6)
            assert ann["truncated"] == obj.truncated and ann["layer"] == obj.layer
            if cats[obj.category_id]["keypoints"]:
                points = np.array(ann["keypoints"], np.float32).reshape(-1, 3)
                assert np.allclose(points, obj.keypoints, atol=1e-3)
                assert ann["num_keypoints"] == int((obj.keypoints[:, 2] > 0).sum())
            else:
                assert "keypoints" not in ann
    capsys.readouterr()  # pycocotools prints progress


def test_coco_has_keypoints_truncation_and_occlusion(
        coco_run: tuple[Path, SceneSpec, dict[str, Any]]) -> None:
    """The round trip above must have covered the interesting cases."""
    out = coco_run[0]
    anns = json.loads((out / "annotations.json").read_text())["annotations"]
    assert any("keypoints" in a for a in anns)
    assert any(a["truncated"] for a in anns)
    assert any(a["visibility"] < 1 and not a["truncated"] for a in anns)


def test_semantic_masks_match_samples(coco_run: tuple[Path, SceneSpec, dict[str, Any]]) -> None:
    out, spec, _ = coco_run
    for sample in _samples(spec):
        mask = decode_image((out / f"semantic/{sample.index:06d}.png").read_bytes(), gray=True)
        assert np.array_equal(mask[..., 0], sample.semantic_mask())


def test_semantic_masks_keep_class_ids_above_255(tmp_path: Path) -> None:
    text = {f"w{i}": 0 for i in range(300)} | {"w299": 1}  # every object: semantic id 300
    spec = make_spec({"canvas": {"width": 48, "height": 32},
                      "objects": [{"asset": {"kind": "glyph", "text": text,
                                             "fonts": ["builtin:fonts/DejaVuSans.ttf"]},
                                   "count": 2, "pose": {"scale": 0.4, "max_occlusion": 1}}],
                      "output": {"semantic_mask": True}})
    run_dataset(spec, RunConfig(out=tmp_path, n=2, seed=0))
    for index in range(2):
        data = np.frombuffer((tmp_path / f"semantic/{index:06d}.png").read_bytes(), np.uint8)
        mask = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        expected = render_sample(spec, 0, index).semantic_mask()
        assert mask.dtype == np.uint16 and np.array_equal(mask, expected)
        assert expected.max() == 300


def test_manifest_describes_the_run(coco_run: tuple[Path, SceneSpec, dict[str, Any]]) -> None:
    out, spec, returned = coco_run
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest == returned
    assert manifest["spec"] == spec.to_data()
    assert manifest["spec_hash"] == spec.spec_hash()
    assert manifest["seed"] == SEED and manifest["synth_version"] == __version__
    assert manifest["format"] == "coco" and manifest["image_format"] == "png"
    samples = _samples(spec)
    assert manifest["counts"] == {"images": N, "objects": sum(len(s.objects) for s in samples),
                                  "classes": len(samples[0].class_names)}
    assert manifest["class_names"] == list(samples[0].class_names)
    assert isinstance(manifest["elapsed_s"], float) and manifest["elapsed_s"] >= 0
    assert sum(s["count"] for s in manifest["shards"]) == N
    plans = [json.loads(line) for line in (out / "plans.jsonl").read_text().splitlines()]
    assert [p["index"] for p in plans] == [s.index for s in samples]
    assert [p["plan"] for p in plans] == [s.plan for s in samples]


def _parse_yolo(path: Path) -> list[list[float]]:
    rows = []
    for line in path.read_text().splitlines():
        fields = line.split()
        assert fields[0].isdigit()
        rows.append([int(fields[0]), *map(float, fields[1:])])
    return rows


def test_yolo_boxes_parse_back(tmp_path: Path) -> None:
    spec = make_spec(spec_data(DETECTION_DATA, output={"image_format": "jpg"}))
    _render(spec, tmp_path, "yolo")
    data = yaml.safe_load((tmp_path / "data.yaml").read_text())
    samples = _samples(spec)
    assert data["names"] == dict(enumerate(samples[0].class_names))
    assert data["nc"] == len(samples[0].class_names)
    for sample in samples:
        assert (tmp_path / f"images/{sample.index:06d}.jpg").is_file()
        rows = _parse_yolo(tmp_path / f"labels/{sample.index:06d}.txt")
        height, width = sample.canvas_size
        assert len(rows) == len(sample.objects)
        for row, obj in zip(rows, sample.objects, strict=True):
            x0, y0, x1, y1 = obj.bbox
            expected = [(x0 + x1) / 2 / width, (y0 + y1) / 2 / height, (x1 - x0) / width,
                        (y1 - y0) / height]
            assert row[0] == obj.category_id
            assert np.allclose(row[1:], expected, atol=1e-5, rtol=0)


def test_yolo_polygons_parse_back(tmp_path: Path) -> None:
    spec = make_spec(spec_data(DETECTION_DATA, output={"image_format": "jpg"}))
    _render(spec, tmp_path, "yolo", yolo_mode="polygons")
    polygons = 0
    for sample in _samples(spec):
        rows = _parse_yolo(tmp_path / f"labels/{sample.index:06d}.txt")
        height, width = sample.canvas_size
        assert len(rows) == len(sample.objects)
        for row, obj in zip(rows, sample.objects, strict=True):
            assert row[0] == obj.category_id
            coords = np.array(row[1:])
            if len(coords) == 4:  # too small for a polygon: a box instead
                continue
            polygons += 1
            assert len(coords) % 2 == 0 and len(coords) >= 6
            xs, ys = coords[0::2] * width, coords[1::2] * height
            x0, y0, x1, y1 = obj.bbox
            assert xs.min() >= x0 - 1e-3 and xs.max() <= x1 - 1 + 1e-3
            assert ys.min() >= y0 - 1e-3 and ys.max() <= y1 - 1 + 1e-3
    assert polygons > 0


def test_imagefolder_layout_for_classification(tmp_path: Path) -> None:
    spec = make_spec(CLASSIFICATION_DATA)
    _render(spec, tmp_path, "imagefolder")
    samples = _samples(spec)
    folders = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert folders == sorted([*samples[0].class_names, "manifest.json", "plans.jsonl"])
    for sample in samples:
        path = tmp_path / sample.class_names[sample.label] / f"{sample.index:06d}.png"
        image = decode_image(path.read_bytes(), gray=True)
        assert np.array_equal(image, sample.image)
    files = [p for p in tmp_path.rglob("*.png")]
    assert len(files) == N


def test_imagefolder_refuses_detection_scenes(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="needs a classification scene"):
        _render(make_spec(DETECTION_DATA), tmp_path / "ds", "imagefolder")


def test_non_empty_output_is_refused_without_resume_or_overwrite(tmp_path: Path) -> None:
    spec = make_spec(DETECTION_DATA)
    out = tmp_path / "ds"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"not empty; pass --resume .* or --overwrite"):
        _render(spec, out, "coco")
    with pytest.raises(OutputError, match="not a synth output folder"):
        run_dataset(spec, RunConfig(out=out, n=2, seed=0, overwrite=True))
    assert (out / "notes.txt").read_text() == "mine", "a foreign folder must stay untouched"

    run_out = tmp_path / "run"
    _render(spec, run_out, "coco")
    with pytest.raises(OutputError, match="not empty"):
        _render(spec, run_out, "coco")
    run_dataset(spec, RunConfig(out=run_out, n=2, seed=0, overwrite=True))
    assert len(list((run_out / "images").iterdir())) == 2, "overwrite replaces the old run"


@pytest.mark.parametrize(("x0", "n_columns"), [(0, 5), (3, 4), (7, 5), (0, 12), (11, 1)])
def test_band_rle_equals_pycocotools_on_the_full_frame(x0: int, n_columns: int) -> None:
    from renderer.writers.object_labels import _band_rle

    height, width = 9, 12
    rng = np.random.default_rng(x0 * 100 + n_columns)
    for fill in (0.0, 0.3, 1.0):  # empty, ragged, and a band of solid columns
        mask = np.zeros((height, width), np.uint8)
        mask[:, x0:x0 + n_columns] = rng.random((height, n_columns)) < fill
        expected = mask_utils.encode(np.asfortranarray(mask))
        got = _band_rle(mask[:, x0:x0 + n_columns].T.astype(bool), x0, width)
        assert got == {"size": expected["size"], "counts": expected["counts"].decode("ascii")}


def test_coco_and_webdataset_write_the_same_object_labels() -> None:
    from renderer.classes import class_table
    from renderer.writers.base import DatasetInfo
    from renderer.writers.coco import coco_records
    from renderer.writers.webdataset import sample_json

    spec = make_spec(COCO_DATA)
    sample = max(_samples(spec), key=lambda s: len(s.objects))
    classes = class_table(spec)
    info = DatasetInfo(class_names=classes.names, keypoint_names=classes.keypoint_names,
                       image_format="png", task=spec.task, gray=False)
    coco = coco_records(sample, info)["annotations"]
    wds = sample_json(sample, info)["objects"]
    assert len(coco) == len(wds) == len(sample.objects) > 0
    assert any("keypoints" in obj for obj in wds), "the scene must cover keypoints"
    for ann, obj in zip(coco, wds, strict=True):
        assert ann["category_id"] == obj["category_id"] + 1
        for key in ("bbox", "amodal_bbox"):
            x0, y0, x1, y1 = obj[key]
            assert ann[key] == [x0, y0, x1 - x0, y1 - y0]
        shared = set(obj) - {"object_id", "class_name", "category_id", "bbox", "amodal_bbox",
                             "keypoints"}
        assert {key: ann[key] for key in shared} == {key: obj[key] for key in shared}
        if "keypoints" in obj:
            assert ann["keypoints"] == [v for point in obj["keypoints"] for v in point]
