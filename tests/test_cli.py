"""The ``synth`` command in subprocesses: render, preview, validate, schema; errors are one line per
problem with exit code 2 and never a traceback; rendering never imports torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from core_helpers import (
    CLASSIFICATION_DATA,
    DETECTION_DATA,
    REPO_ROOT,
    run_cli,
    run_python,
    spec_data,
    write_yaml,
)

from renderer.io import decode_image
from renderer.render import render_sample
from renderer.spec.load import load_spec


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_yaml(tmp_path_factory.mktemp("spec") / "scene.yaml", spec_data(DETECTION_DATA))


def _ok(proc: object) -> None:
    assert proc.returncode == 0, proc.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in proc.stderr  # type: ignore[attr-defined]


def _input_error(proc: object) -> list[str]:
    """Exit code 2, no traceback; returns the stderr lines."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)  # type: ignore[attr-defined]
    assert "Traceback" not in proc.stderr  # type: ignore[attr-defined]
    return proc.stderr.strip().splitlines()  # type: ignore[attr-defined]


def test_render_writes_coco_with_overrides(spec_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    proc = run_cli("render", spec_file, "-n", "3", "-o", out, "--workers", "1", "--quiet",
                   "--set", "canvas.width=80", "--set", "objects[0].count=2", "--seed", "5")
    _ok(proc)
    assert "wrote 3 images" in proc.stdout and "manifest:" in proc.stdout
    coco = json.loads((out / "annotations.json").read_text())
    assert [im["width"] for im in coco["images"]] == [80, 80, 80]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["spec"]["canvas"]["width"] == 80
    assert manifest["spec"]["objects"][0]["count"] == 2
    spec = load_spec(spec_file, ["canvas.width=80", "objects[0].count=2"])
    assert manifest["spec_hash"] == spec.spec_hash()
    shapes = [a for a in coco["annotations"] if a["layer"] == "shapes"]
    assert len(shapes) == sum(len([o for o in render_sample(spec, 5, i).objects
                                   if o.layer == "shapes"]) for i in range(3))


def test_render_yolo_png(spec_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    _ok(run_cli("render", spec_file, "-n", "2", "-o", out, "--format", "yolo",
                "--image-format", "png", "--workers", "1", "--quiet"))
    assert sorted(p.name for p in (out / "images").iterdir()) == ["000000.png", "000001.png"]
    assert sorted(p.name for p in (out / "labels").iterdir()) == ["000000.txt", "000001.txt"]
    assert yaml.safe_load((out / "data.yaml").read_text())["nc"] >= 1
    spec = load_spec(spec_file, ["output.image_format=png"])
    image = decode_image((out / "images/000001.png").read_bytes())
    assert np.array_equal(image, render_sample(spec, spec.seed, 1).image)


def test_render_imagefolder(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "digits.yaml", CLASSIFICATION_DATA)
    out = tmp_path / "ds"
    _ok(run_cli("render", path, "-n", "4", "-o", out, "--format", "imagefolder", "--workers",
                "1", "--quiet"))
    assert len(list(out.glob("[0-9]/*.png"))) == 4


def test_render_refuses_non_empty_output(spec_file: Path, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("x")
    proc = run_cli("render", spec_file, "-n", "1", "-o", tmp_path, "--quiet")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr  # an output error, not input
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--resume" in lines[0] and "--overwrite" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_preview_writes_a_png(spec_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.png"
    proc = run_cli("preview", spec_file, "-n", "4", "-o", out, "--tile", "64")
    _ok(proc)
    sheet = decode_image(out.read_bytes())
    assert sheet.shape[1] == 2 * 64 and sheet.shape[0] >= 2 * 32
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_validate_accepts_a_good_spec(spec_file: Path) -> None:
    proc = run_cli("validate", spec_file)
    _ok(proc)
    assert proc.stdout.startswith(f"{spec_file}: ok")


def test_validate_lists_every_problem_with_its_field_path(tmp_path: Path) -> None:
    data = spec_data(DETECTION_DATA, canvas={"width": 4, "height": 64})
    data["objects"][1]["pose"]["scale"] = [0.9, 0.2]
    data["effects"][0]["sigmaa"] = 3
    path = write_yaml(tmp_path / "bad.yaml", data)
    lines = _input_error(run_cli("validate", path))
    assert sorted(lines) == sorted([
        f"{path}: canvas.width: Input should be greater than or equal to 8",
        f"{path}: objects[1].pose.scale: lower bound 0.9 > upper bound 0.2",
        f"{path}: effects[0].sigmaa: Extra inputs are not permitted",
    ])


def test_render_of_a_bad_spec_is_one_line(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "bad.yaml", spec_data(DETECTION_DATA, task="segmentation"))
    lines = _input_error(run_cli("render", path, "-n", "1", "-o", tmp_path / "out"))
    assert len(lines) == 1 and lines[0].startswith(f"synth: error: {path}: task: ")


def test_malformed_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("canvas: {width: 64\nobjects: [\n")
    lines = _input_error(run_cli("validate", path))
    assert len(lines) == 1 and f"{path}: (yaml): line " in lines[0]


@pytest.mark.parametrize("command", ["validate", "render"])
def test_missing_asset_names_the_file(command: str, tmp_path: Path) -> None:
    data = spec_data(DETECTION_DATA)
    data["objects"][0]["asset"] = {"kind": "cutout", "dir": "my_cutouts"}
    path = write_yaml(tmp_path / "scene.yaml", data)
    args = ["-n", "1", "-o", tmp_path / "out", "--quiet"] if command == "render" else []
    lines = _input_error(run_cli(command, path, *args))
    assert len(lines) == 1 and "'my_cutouts'" in lines[0] and "not found" in lines[0]
    assert not (tmp_path / "out").exists(), "nothing is written for a spec that cannot render"


def test_missing_font_names_the_file(tmp_path: Path) -> None:
    data = spec_data(DETECTION_DATA)
    data["objects"][0]["asset"] = {"kind": "glyph", "fonts": ["fonts/Missing.ttf"]}
    lines = _input_error(run_cli("validate", write_yaml(tmp_path / "scene.yaml", data)))
    assert "'fonts/Missing.ttf'" in lines[0]


def test_schema_prints_json_schema() -> None:
    proc = run_cli("schema")
    _ok(proc)
    schema = json.loads(proc.stdout)
    assert {"canvas", "objects", "background", "effects"} <= set(schema["properties"])


def test_version_and_help() -> None:
    proc = run_cli("--version")
    _ok(proc)
    assert proc.stdout.startswith("synth ")
    proc = run_cli("render", "--help")
    _ok(proc)
    assert "--workers" in proc.stdout and "--set" in proc.stdout


def test_render_never_imports_torch(spec_file: Path, tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from renderer.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "assert rc == 0, rc\n"
        "heavy = sorted(m for m in ('torch', 'torchvision', 'ray') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    run_python(code, "render", str(spec_file), "-n", "2", "-o", str(tmp_path / "ds"),
               "--workers", "1", "--quiet")
    run_python(code, "preview", str(spec_file), "-n", "1", "-o", str(tmp_path / "p.png"))
    run_python(code, "validate", str(spec_file))


def test_quickstart_scene_validates() -> None:
    _ok(run_cli("validate", REPO_ROOT / "scenes" / "quickstart.yaml"))


def test_cli_runs_as_a_module() -> None:
    proc = run_python("import runpy, sys\nsys.argv = ['synth', '--version']\n"
                      "try:\n    runpy.run_module('renderer.cli', run_name='__main__')\n"
                      "except SystemExit as exc:\n    assert exc.code in (0, None)\n")
    assert proc.stdout.startswith("synth ")
