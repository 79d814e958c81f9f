"""``--split``: every format places each index in the split its seed draws, the images are those of
an unsplit run, and YOLO's ``data.yaml`` passes Ultralytics' own dataset check from any folder."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from core_helpers import (
    CLASSIFICATION_DATA,
    DETECTION_DATA,
    make_spec,
    run_cli,
    spec_data,
    tree_digest,
    write_yaml,
)

from renderer.io import OutputError
from renderer.run import RunConfig, run_dataset
from renderer.splits import Split, parse_split

N = 12
SEED = 5
FRACTIONS = {"train": 0.7, "val": 0.3}


def _render(out: Path, fmt: str, split: dict[str, float] | None = None, data: dict | None = None,
            **config: Any) -> dict[str, Any]:
    options = {"split": split} if split else {}
    data = data or (CLASSIFICATION_DATA if fmt == "imagefolder" else DETECTION_DATA)
    spec = make_spec(spec_data(data, output={"image_format": "png"}))
    return run_dataset(spec, RunConfig(out=out, n=N, seed=SEED, format=fmt, options=options,
                                       **config))


def _images(out: Path) -> dict[str, bytes]:
    """Image bytes by file name, wherever they lie under ``out``."""
    return {p.name: p.read_bytes() for p in out.rglob("*.png") if "semantic" not in p.parts}


def test_split_of_an_index_depends_only_on_seed_and_index() -> None:
    split = Split.from_fractions({"train": 0.9, "val": 0.1}, seed=0)
    names = [split.of(i) for i in range(2000)]
    assert names == [Split.from_fractions({"train": 0.9, "val": 0.1}, seed=0).of(i)
                     for i in range(2000)]
    assert 0.87 < names.count("train") / len(names) < 0.93
    other_seed = [Split.from_fractions({"train": 0.9, "val": 0.1}, seed=1).of(i) for i in range(2000)]
    assert other_seed != names
    # pinned: a change here would move images between the splits of every existing dataset
    assert "".join(n[0] for n in names[:40]) == "tttttttttvtttttttttttttttvtvvttttttttttt"


@pytest.mark.parametrize("fmt", ["yolo", "coco", "imagefolder"])
def test_split_places_the_images_of_an_unsplit_run(fmt: str, tmp_path: Path) -> None:
    _render(tmp_path / "whole", fmt)
    whole = _images(tmp_path / "whole")
    assert len(whole) == N
    manifest = _render(tmp_path / "split", fmt, FRACTIONS)
    split = Split.from_fractions(FRACTIONS, SEED)
    expected = {name: split.of(int(name.split(".")[0])) for name in whole}
    placed: dict[str, str] = {}
    for path in (tmp_path / "split").rglob("*.png"):
        folder = path.relative_to(tmp_path / "split").parts
        placed[path.name] = folder[1] if fmt == "yolo" else folder[0]
        assert path.read_bytes() == whole[path.name]
    assert placed == expected
    counts = {name: list(expected.values()).count(name) for name in FRACTIONS}
    assert {k: v["images"] for k, v in manifest["split"].items()} == counts
    assert {k: v["fraction"] for k, v in manifest["split"].items()} == FRACTIONS
    assert set(counts.values()) != {0}, "both splits should get images at this seed"


def test_coco_writes_one_annotation_file_per_split(tmp_path: Path) -> None:
    _render(tmp_path, "coco", FRACTIONS)
    ids = []
    for name in FRACTIONS:
        coco = json.loads((tmp_path / name / "annotations.json").read_text())
        files = {p.name for p in (tmp_path / name / "images").iterdir()}
        assert {image["file_name"] for image in coco["images"]} == files
        assert {a["image_id"] for a in coco["annotations"]} <= {i["id"] for i in coco["images"]}
        ids += [image["id"] for image in coco["images"]]
    assert sorted(ids) == list(range(N))


def test_webdataset_tars_per_split(tmp_path: Path) -> None:
    _render(tmp_path, "webdataset", FRACTIONS, shard_size=5)
    split = Split.from_fractions(FRACTIONS, SEED)
    for name in FRACTIONS:
        keys = set()
        for tar in sorted((tmp_path / name).glob("shard-*.tar")):
            with tarfile.open(tar) as fh:
                keys |= {member.name.split(".")[0] for member in fh.getmembers()}
        assert keys == {f"{i:06d}" for i in range(N) if split.of(i) == name}


def test_split_output_is_the_same_for_any_shard_size_and_worker_count(tmp_path: Path) -> None:
    _render(tmp_path / "a", "coco", FRACTIONS, shard_size=4)
    _render(tmp_path / "b", "coco", FRACTIONS, shard_size=5, workers=2)

    def digest(out: Path) -> dict[str, str]:
        return {k: v for k, v in tree_digest(out).items() if not k.startswith((".synth", "manifest"))
                and "/.synth/" not in k}

    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_yolo_data_yaml_names_the_split_folders(tmp_path: Path) -> None:
    _render(tmp_path / "split", "yolo", FRACTIONS)
    data = yaml.safe_load((tmp_path / "split" / "data.yaml").read_text())
    assert "path" not in data  # Ultralytics then resolves folders against the file's own place
    assert (data["train"], data["val"]) == ("images/train", "images/val")
    for name in FRACTIONS:
        labels = {p.stem for p in (tmp_path / "split" / "labels" / name).iterdir()}
        assert labels == {p.stem for p in (tmp_path / "split" / "images" / name).iterdir()}
    _render(tmp_path / "whole", "yolo")
    assert "path" not in yaml.safe_load((tmp_path / "whole" / "data.yaml").read_text())


def test_yolo_refuses_a_split_without_train_and_val(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="train and val"):
        _render(tmp_path, "yolo", {"train": 0.5, "test": 0.5})
    assert not (tmp_path / "images").exists()


@pytest.mark.parametrize(("text", "message"), [
    ("train=0.9,val=0.2", "sum to 1"),
    ("train=0.9;val=0.1", "NAME=FRACTION"),
    ("train=x,val=0.1", "NAME=FRACTION"),
    ("train=1.2,val=-0.2", r"\(0, 1\]"),
    ("train=0.5,train=0.5", "named twice"),
    ("../up=0.5,val=0.5", "letters, digits"),
])
def test_bad_split_text_is_refused_naming_the_option(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        parse_split(text)
    assert str(info.value).startswith("--split: ")


def test_parse_split_keeps_the_order_given() -> None:
    assert list(parse_split("val=0.25, train=0.75")) == ["val", "train"]


def test_cli_split_and_its_error(tmp_path: Path) -> None:
    spec = write_yaml(tmp_path / "scene.yaml", DETECTION_DATA)
    proc = run_cli("render", spec, "-n", "6", "-o", tmp_path / "out", "--format", "yolo",
                   "--split", "train=0.5,val=0.5", "--quiet", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert "train:" in proc.stdout and "val:" in proc.stdout
    proc = run_cli("render", spec, "-n", "6", "-o", tmp_path / "bad", "--split", "train=0.5")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--split" in proc.stderr
    assert not (tmp_path / "bad").exists()


@pytest.mark.skipif(importlib.util.find_spec("ultralytics") is None,
                    reason="ultralytics is not installed (pip install ultralytics) to check "
                           "data.yaml with its own dataset checker")
def test_ultralytics_accepts_data_yaml_from_another_folder(tmp_path: Path) -> None:
    _render(tmp_path / "ds", "yolo", FRACTIONS)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import json, sys\nfrom ultralytics.data.utils import check_det_dataset\n"
            "data = check_det_dataset(sys.argv[1], autodownload=False)\n"
            "print(json.dumps({k: str(data[k]) for k in ('train', 'val', 'nc')}))")
    env = {**os.environ, "YOLO_CONFIG_DIR": str(tmp_path / "config"), "YOLO_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", code, "../ds/data.yaml"], cwd=elsewhere,
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    for name in FRACTIONS:
        assert Path(data[name]) == (tmp_path / "ds" / "images" / name).resolve()
    assert data["nc"] == str(len(yaml.safe_load((tmp_path / "ds" / "data.yaml").read_text())["names"]))
