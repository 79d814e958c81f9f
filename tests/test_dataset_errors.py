"""Malformed real sets: each problem names its file and line or field; ``synth eval`` stops on the
first (one line, exit 2) or, with ``--on-error skip``, leaves the item out, warns and counts it
in ``report.json`` and the HTML report. Real broken files, no mocks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bad_files import break_coco, break_yolo
from core_helpers import DETECTION_DATA, make_spec, run_cli, spec_data
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from renderer.datasets import DatasetError, load, to_eval_set
from renderer.evaluate import EvalConfig
from renderer.evaluate.engine import run_evaluation
from renderer.evaluate.report import write_report
from renderer.run import RunConfig, run_dataset

N = 10
CHEAP = EvalConfig(fid_bootstrap=2, kid_subset_size=5, kid_subsets=2, kid_bootstrap=3,
                   c2st_bootstrap=3, c2st_folds=2, n_show=2, image_stats=False, task=None,
                   threads=1)


def _render(out: Path, fmt: str, seed: int) -> Path:
    spec = make_spec(spec_data(DETECTION_DATA, output={"image_format": "png"}))
    run_dataset(spec, RunConfig(out=out, n=N, seed=seed, format=fmt, workers=1))
    return out


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A clean synthetic set, clean real COCO / YOLO sets, and broken copies of those."""
    root = tmp_path_factory.mktemp("sets")
    paths = {"synthetic": _render(root / "synthetic", "coco", 1),
             "coco": _render(root / "coco", "coco", 2), "yolo": _render(root / "yolo", "yolo", 3)}
    for fmt in ("coco", "yolo"):
        paths[f"broken-{fmt}"] = root / f"broken-{fmt}"
        shutil.copytree(paths[fmt], paths[f"broken-{fmt}"])
    return paths


@pytest.fixture(scope="module")
def expected(sets: dict[str, Path]) -> dict[str, list[str]]:
    """What each broken set's problems name (files, fields, lines)."""
    return {"coco": break_coco(sets["broken-coco"]), "yolo": break_yolo(sets["broken-yolo"])}


@pytest.mark.parametrize("fmt", ["coco", "yolo"])
def test_eval_stops_on_the_first_problem(fmt: str, sets: dict[str, Path],
                                         expected: dict[str, list[str]], tmp_path: Path) -> None:
    proc = run_cli("eval", "--synthetic", sets["synthetic"], "--real", sets[f"broken-{fmt}"],
                   "-o", tmp_path / "report", "--no-tstr")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"synth: error: {sets[f'broken-{fmt}']}")
    first = {"coco": "annotations.json.images[2].file_name: expected a string",
             "yolo": f"{expected['yolo'][0]}: expected 'class cx cy w h'"}[fmt]
    assert first in lines[0]
    assert not (tmp_path / "report").exists()


@pytest.mark.parametrize("fmt", ["coco", "yolo"])
def test_skip_leaves_out_each_bad_item_once(fmt: str, sets: dict[str, Path],
                                            expected: dict[str, list[str]]) -> None:
    evalset = to_eval_set(load(sets[f"broken-{fmt}"], on_error="skip"), on_error="skip")
    assert len(evalset.skipped) == len(expected[fmt]), evalset.skipped
    for problem, words in zip(evalset.skipped, expected[fmt], strict=True):
        assert str(sets[f"broken-{fmt}"]) in problem and words in problem, (problem, words)
    assert len(evalset) == N - len(expected[fmt]) + (fmt == "coco")  # + the orphan annotation
    assert all(Path(name).stem not in " ".join(evalset.skipped) for name in evalset.names)
    clean = to_eval_set(load(sets[fmt], on_error="skip"), on_error="skip")
    assert len(clean) == N and clean.skipped == ()


def test_report_counts_what_was_skipped(sets: dict[str, Path], expected: dict[str, list[str]],
                                        tmp_path: Path) -> None:
    synthetic = to_eval_set(load(sets["synthetic"]))
    real = to_eval_set(load(sets["broken-coco"], on_error="skip"), on_error="skip")
    result = run_evaluation(synthetic, real, CHEAP)
    json_path, html_path = write_report(result, synthetic, real, tmp_path)
    report = json.loads(json_path.read_text())
    assert report["skipped"]["real"]["count"] == len(expected["coco"])
    assert report["skipped"]["synthetic"] == {"count": 0, "problems": []}
    html = html_path.read_text()
    assert "Skipped items" in html and f"{len(expected['coco'])} real, 0 synthetic" in html
    assert "images[2].file_name: expected a string" in html


def test_unreadable_image_alone_stops_with_its_name(sets: dict[str, Path], tmp_path: Path) -> None:
    root = shutil.copytree(sets["coco"], tmp_path / "set")
    victim = sorted((root / "images").iterdir())[5]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: the PNG chunk's CRC no longer matches
    victim.write_bytes(bytes(data))
    dataset = load(root)
    with pytest.raises(DatasetError, match=rf"{victim.name}: corrupt PNG \(chunk 'IDAT'"):
        to_eval_set(dataset)
    assert len(to_eval_set(dataset, on_error="skip")) == N - 1


def test_nothing_left_is_an_error(sets: dict[str, Path], tmp_path: Path) -> None:
    root = shutil.copytree(sets["coco"], tmp_path / "set")
    for image in (root / "images").iterdir():
        image.write_bytes(b"")
    with pytest.raises(DatasetError, match=r"no readable item left \(10 skipped, e\.g\. "):
        to_eval_set(load(root, on_error="skip"), on_error="skip")


def test_gtsrb_rows_are_reported_by_line(tmp_path: Path) -> None:
    (tmp_path / "Images").mkdir()
    csv = tmp_path / "GT-final_test.csv"
    csv.write_text("Filename;ClassId\na.ppm;1\nb.ppm;seven\nc.ppm;99\n../d.ppm;2\n")
    with pytest.raises(DatasetError, match=r"GT-final_test.csv line 3: ClassId must be an integer"):
        load(tmp_path)
    dataset = load(tmp_path, on_error="skip")
    assert dataset.names == ("Images/a.ppm",)
    assert [p.split(": ")[0].rsplit(" ", 2)[-2:] for p in dataset.skipped] == [
        ["line", "3"], ["line", "4"], ["line", "5"]]


JSON = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=True)
                    | st.text(max_size=4), lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)
FIELDS = st.sampled_from(["images", "annotations", "categories"])
KEYS = st.sampled_from(["id", "image_id", "category_id", "bbox", "file_name", "segmentation",
                        "keypoints", "visibility", "height", "width", "name", "iscrowd"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# finite JSON numbers that float32 cannot hold, and a visibility outside [0, 1]
@example(edits=[("annotations", 0, "visibility", 3.4028235677973366e38)], on_error="stop")
@example(edits=[("annotations", 0, "visibility", 1.5)], on_error="stop")
@example(edits=[("annotations", 0, "bbox", [0.0, 0.0, 1e39, 1.0])], on_error="skip")
@example(edits=[("annotations", 0, "bbox", [3e38, 0.0, 3e38, 1.0])], on_error="stop")
@example(edits=[("annotations", 0, "keypoints", [1e39, 0.0, 2])], on_error="skip")
@given(edits=st.lists(st.tuples(FIELDS, st.integers(0, 12), KEYS, JSON), min_size=1, max_size=4),
       on_error=st.sampled_from(["stop", "skip"]))
def test_any_damage_to_coco_annotations_is_a_dataset_error(
        sets: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
        edits: list[tuple[str, int, str, object]], on_error: str) -> None:
    """Whatever a field is replaced by: a dataset (with problems listed) or a DatasetError."""
    data = json.loads((sets["coco"] / "annotations.json").read_text())
    for section, index, key, value in edits:
        items = data[section]
        if items and isinstance(items[index % len(items)], dict):
            items[index % len(items)][key] = value
        else:
            data[section] = value
    root = tmp_path_factory.mktemp("fuzz")
    (root / "annotations.json").write_text(json.dumps(data))
    try:
        dataset = load(root, on_error=on_error)  # type: ignore[arg-type]
    except DatasetError as exc:
        assert str(root) in str(exc)
        return
    assert all(str(root) in problem for problem in dataset.skipped)
