"""Loaders (renderer.datasets): round trips through synth's writers, real layouts, bad input."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from core_helpers import SHARED_DATA

from renderer.datasets import DatasetError, detect_format, from_sample, load, to_eval_set
from renderer.render import render_sample
from renderer.run import RunConfig, run_dataset
from renderer.spec.scene import SceneSpec

N = 4
SEED = 3


def render_to(spec: SceneSpec, out: Path, fmt: str, **options: str) -> Path:
    """Render ``N`` images of ``spec`` as ``fmt`` into ``out`` (PNG, lossless)."""
    output = spec.output.model_copy(update={"image_format": "png"})
    spec = spec.model_copy(update={"output": output})
    run_dataset(spec, RunConfig(out=out, n=N, seed=SEED, format=fmt, workers=1, shard_size=3,
                                options=dict(options)))
    return out


def plain(plan: dict) -> dict:
    """A plan as it reads back from JSON."""
    return json.loads(json.dumps(plan))


@pytest.mark.parametrize("fmt", ["coco", "webdataset", "yolo"])
def test_detection_writers_round_trip(mixed_spec: SceneSpec, tmp_path: Path, fmt: str) -> None:
    ds = load(render_to(mixed_spec, tmp_path / fmt, fmt))
    assert (ds.format, ds.task, len(ds)) == (fmt, "detection", N)
    for i, record in enumerate(ds):
        sample = render_sample(mixed_spec, SEED, i)
        ref = from_sample(sample)
        assert record.image_id == i and record.class_names == sample.class_names
        np.testing.assert_array_equal(record.image, sample.image)
        np.testing.assert_array_equal(record.category_ids, ref.category_ids)
        np.testing.assert_allclose(record.boxes, ref.boxes, atol=1e-3)
        assert record.meta["plan"] == plain(sample.plan)
        if fmt == "yolo":
            assert record.masks() is None  # boxes only
            continue
        np.testing.assert_array_equal(record.masks(), ref.masks())
        np.testing.assert_allclose(record.visibility, ref.visibility, atol=1e-6)
        np.testing.assert_allclose(record.keypoints, ref.keypoints, atol=1e-3)


def outline_mask(mask: np.ndarray) -> np.ndarray:
    """The filled largest outer contour of a mask: what a YOLO polygon line can hold."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros(mask.shape, np.uint8)
    cv2.fillPoly(filled, [max(contours, key=cv2.contourArea)], 1)
    return filled.astype(bool)


def test_yolo_polygons_give_masks(tiny_spec: SceneSpec, tmp_path: Path) -> None:
    ds = load(render_to(tiny_spec, tmp_path / "seg", "yolo", yolo_mode="polygons"))
    for i, record in enumerate(ds):
        ref = from_sample(render_sample(tiny_spec, SEED, i)).masks()
        masks = record.masks()
        assert masks is not None and masks.shape == ref.shape
        for got, want in zip(masks, ref, strict=True):
            np.testing.assert_array_equal(got, outline_mask(want))


def test_imagefolder_round_trip(classification_spec: SceneSpec, tmp_path: Path) -> None:
    ds = load(render_to(classification_spec, tmp_path / "if", "imagefolder"))
    assert (ds.format, ds.task) == ("imagefolder", "classification")
    assert ds.class_names == ("0", "1", "2")
    assert sorted(r.image_id for r in ds) == list(range(N))
    for record in ds:
        sample = render_sample(classification_spec, SEED, record.image_id)
        assert record.label == sample.label
        assert record.image.shape == (32, 32, 1)
        np.testing.assert_array_equal(record.image, sample.image)
        assert record.meta["plan"] == plain(sample.plan)


def test_to_eval_set(mixed_spec: SceneSpec, classification_spec: SceneSpec,
                     tmp_path: Path) -> None:
    pytest.importorskip("renderer.evaluate.evalset")
    det = to_eval_set(load(render_to(mixed_spec, tmp_path / "coco", "coco")))
    assert det.labels is None and det.objects is not None and len(det) == N
    np.testing.assert_array_equal(det.objects[2]["classes"],
                                  from_sample(render_sample(mixed_spec, SEED, 2)).category_ids)
    assert det.meta is not None and det.meta[0] == plain(render_sample(mixed_spec, SEED, 0).plan)
    cls = to_eval_set(load(render_to(classification_spec, tmp_path / "if", "imagefolder")), [1, 0])
    assert cls.class_names == ("0", "1", "2") and cls.labels.tolist() == [
        render_sample(classification_spec, SEED, int(n.split("/")[-1][:6])).label
        for n in cls.names]


def write_coco(root: Path, data: dict, size: tuple[int, int] = (20, 30)) -> Path:
    (root / "images").mkdir(parents=True)
    for im in data.get("images", []):
        cv2.imwrite(str(root / "images" / im["file_name"]), np.full((*size, 3), 90, np.uint8))
    (root / "annotations.json").write_text(json.dumps(data))
    return root


COCO_THIRD_PARTY = {
    "images": [{"id": 7, "file_name": "b.png", "width": 30, "height": 20},
               {"id": 2, "file_name": "a.png", "width": 30, "height": 20}],
    "categories": [{"id": 9, "name": "dog"}, {"id": 3, "name": "cat"}],
    "annotations": [
        {"id": 1, "image_id": 2, "category_id": 9, "bbox": [2, 3, 10, 5], "iscrowd": 0,
         "segmentation": [[2, 3, 12, 3, 12, 8, 2, 8]]},
        {"id": 2, "image_id": 2, "category_id": 3, "bbox": [0, 0, 4, 4], "iscrowd": 1,
         "segmentation": {"size": [20, 30], "counts": [0, 4, 16, 4, 16, 4, 16, 4, 536]}},
    ],
}


def test_third_party_coco(tmp_path: Path) -> None:
    ds = load(write_coco(tmp_path / "c", COCO_THIRD_PARTY))
    assert ds.class_names == ("cat", "dog")  # categories sorted by id: 3 -> 0, 9 -> 1
    assert [r.image_id for r in ds] == [2, 7]  # images sorted by id
    first = ds[0]
    np.testing.assert_array_equal(first.category_ids, [1, 0])
    np.testing.assert_allclose(first.boxes, [[2, 3, 12, 8], [0, 0, 4, 4]])
    assert first.meta["iscrowd"] == [0, 1]
    masks = first.masks()
    assert masks.shape == (2, 20, 30)
    assert masks[1].sum() == 16 and masks[1][:4, :4].all()  # column-major RLE: a 4x4 square
    assert masks[0][4, 5] and not masks[0][15, 20]
    assert ds[1].boxes.shape == (0, 4) and ds[1].masks().shape == (0, 20, 30)


@pytest.mark.parametrize(("patch", "message"), [
    ({"bbox": [1, 2, 3]}, r"annotations\[0\]\.bbox"),
    ({"bbox": [1, 2, -3, 4]}, r"annotations\[0\]\.bbox: negative"),
    ({"category_id": 4}, r"annotations\[0\]\.category_id"),
    ({"image_id": 99}, r"annotations\[0\]\.image_id"),
    ({"segmentation": [[1, 2, 3]]}, r"annotations\[0\]\.segmentation"),
])
def test_malformed_coco_names_the_field(tmp_path: Path, patch: dict, message: str) -> None:
    data = json.loads(json.dumps(COCO_THIRD_PARTY))
    data["annotations"][0].update(patch)
    root = write_coco(tmp_path / "c", data)
    with pytest.raises(DatasetError, match=r"annotations\.json.*" + message):
        load(root)


def test_coco_syntax_error_gives_line(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir()
    (root / "annotations.json").write_text('{"images": [],\n "annotations": [}\n')
    with pytest.raises(DatasetError, match=r"annotations\.json: line 2, column"):
        load(root)


def test_coco_refuses_paths_leaving_the_folder(tmp_path: Path) -> None:
    data = {"images": [{"id": 1, "file_name": "../x.png"}], "annotations": [], "categories": []}
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "annotations.json").write_text(json.dumps(data))
    with pytest.raises(DatasetError, match="leaves the dataset folder"):
        load(tmp_path / "c")


def write_yolo(root: Path, labels: dict[str, str], yaml_text: str | None) -> Path:
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    for stem, text in labels.items():
        cv2.imwrite(str(root / "images" / f"{stem}.jpg"), np.zeros((50, 100, 3), np.uint8))
        (root / "labels" / f"{stem}.txt").write_text(text)
    if yaml_text is not None:
        (root / "data.yaml").write_text(yaml_text)
    return root


def test_third_party_yolo(tmp_path: Path) -> None:
    labels = {"a": "1 0.5 0.5 0.2 0.4\n", "b": "", "c": "0 0.1 0.1 0.3 0.1 0.3 0.5\n"}
    root = write_yolo(tmp_path / "y", labels, "names: {0: person, 1: car}\n")
    (root / "images" / "d.jpg").write_bytes((root / "images" / "a.jpg").read_bytes())  # no label
    ds = load(root)
    assert ds.format == "yolo" and ds.class_names == ("person", "car") and len(ds) == 4
    np.testing.assert_allclose(ds[0].boxes, [[40, 15, 60, 35]], atol=1e-4)
    assert ds[0].category_ids.tolist() == [1] and ds[0].masks() is None
    assert ds[1].boxes.shape == (0, 4) and ds[3].boxes.shape == (0, 4)
    np.testing.assert_allclose(ds[2].boxes, [[10, 5, 30, 25]], atol=1e-4)  # polygon extent
    assert ds[2].masks()[0, 10, 15] and not ds[2].masks()[0, 40, 90]


@pytest.mark.parametrize(("line", "message"), [
    ("0 0.5 0.5 0.2", "expected 'class cx cy w h'"),
    ("x 0.5 0.5 0.2 0.1", "integer class"),
    ("5 0.5 0.5 0.2 0.1", "class 5 is not in 0..1"),
    ("0 0.5 nan 0.2 0.1", "finite"),
])
def test_malformed_yolo_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    root = write_yolo(tmp_path / "y", {"a": f"1 0.5 0.5 0.2 0.4\n{line}\n"}, "names: [a, b]\n")
    with pytest.raises(DatasetError, match=rf"labels/a\.txt line 2: .*{message}"):
        load(root)


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + array.astype(np.uint8).tobytes())


def test_mnist_idx(tmp_path: Path) -> None:
    images = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 251
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([7, 2, 1]))
    ds = load(tmp_path)
    assert (ds.format, ds.task, len(ds), ds.class_names[-1]) == ("mnist", "classification", 3, "9")
    assert ds[0].label == 7 and ds[0].image.shape == (28, 28, 1)
    np.testing.assert_array_equal(ds[2].image[..., 0], images[2])
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([7, 2]))
    with pytest.raises(DatasetError, match="2 labels for 3 images"):
        load(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\0\0\x08\x03" + b"\0" * 5))
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte\.gz: not an IDX file"):
        load(tmp_path)


def test_gtsrb_layout(tmp_path: Path) -> None:
    (tmp_path / "Images").mkdir()
    for name in ("00000.ppm", "00001.ppm"):
        cv2.imwrite(str(tmp_path / "Images" / name), np.zeros((32, 32, 3), np.uint8))
    rows = ["Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId",
            "00001.ppm;64;64;6;6;57;57;16", "00000.ppm;32;32;1;2;29;30;1"]
    (tmp_path / "GT-final_test.csv").write_text("\n".join(rows) + "\n")
    ds = load(tmp_path)
    assert ds.format == "gtsrb" and ds.class_names[16] == "16" and len(ds.class_names) == 43
    assert [r.label for r in ds] == [16, 1]
    assert ds.names == ("Images/00001.ppm", "Images/00000.ppm")
    np.testing.assert_allclose(ds[0].boxes, [[3, 3, 29, 29]])  # 64 px ROI scaled to 32 px
    (tmp_path / "GT-final_test.csv").write_text("\n".join([*rows, "00000.ppm;32;32;1;2;29;30;x"]))
    with pytest.raises(DatasetError, match=r"GT-final_test\.csv line 4: ClassId"):
        load(tmp_path)


def test_image_folders_and_detection(tmp_path: Path) -> None:
    for rel in ("zebra/1.png", "ant/x/2.png", "ant/1.png"):
        (tmp_path / "cls" / rel).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(tmp_path / "cls" / rel), np.zeros((4, 5), np.uint8))
    ds = load(tmp_path / "cls")
    assert ds.format == "imagefolder" and ds.class_names == ("ant", "zebra")
    assert ds.names == ("ant/1.png", "ant/x/2.png", "zebra/1.png")
    assert [r.label for r in ds] == [0, 0, 1] and ds[0].image.shape == (4, 5, 1)
    plain_ds = load(tmp_path / "cls" / "ant")
    assert (plain_ds.format, plain_ds.task, plain_ds[1].label) == ("images", "unlabeled", None)
    assert detect_format(tmp_path / "cls" / "ant") == "images"
    with pytest.raises(DatasetError, match="unknown dataset format"):
        load(tmp_path / "cls", format="voc")


def add_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_third_party_webdataset_tar(tmp_path: Path) -> None:
    _, png = cv2.imencode(".png", np.full((6, 8, 3), 40, np.uint8))
    with tarfile.open(tmp_path / "data-000.tar", "w") as tar:
        for key, cls in (("s/a", 2), ("s/b", 0)):
            add_member(tar, f"{key}.png", png.tobytes())
            add_member(tar, f"{key}.cls", str(cls).encode())
        link = tarfile.TarInfo("s/c.png")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    ds = load(tmp_path)
    assert (ds.format, ds.task, ds.names, ds.class_names) == (
        "webdataset", "classification", ("s/a", "s/b"), ("0", "1", "2"))
    assert [r.label for r in ds] == [2, 0] and ds[0].image.shape == (6, 8, 3)


def test_shared_real_sets() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent (development checkouts only)")
    mnist = load(SHARED_DATA / "mnist-test")
    assert len(mnist) == 10_000
    assert [mnist[i].label for i in range(10)] == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    gtsrb = load(SHARED_DATA / "gtsrb-test-32px-subset")
    assert gtsrb.format == "gtsrb" and len(gtsrb) == 2580
    counts = np.bincount([e[1] for e in gtsrb.entries], minlength=43)
    assert (counts == 60).all() and gtsrb[0].image.shape == (32, 32, 3)
