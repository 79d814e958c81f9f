"""Bad asset files through the real ``synth`` command: each is an error naming the file and the
problem; with ``--skip-bad-assets`` a warning per file, the file out of its pool, the manifest
listing it, and the output the same for any worker count or ``--index``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from bad_files import (
    BAD_IMAGES,
    bad_image_name,
    blank_glyph_font,
    cutout_scene,
    glyph_scene,
    png_bytes,
    truncated_font,
)
from core_helpers import run_cli, tree_digest

from renderer.image_files import read_image
from renderer.scene_context import AssetError

ALL_CASES = sorted(BAD_IMAGES)


def _lines(text: str) -> list[str]:
    return [line for line in text.strip().splitlines() if line]


def _failed_cleanly(proc: object) -> list[str]:
    """Exit 2 and no traceback; the stderr lines."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr)  # type: ignore[attr-defined]
    assert "Traceback" not in proc.stderr  # type: ignore[attr-defined]
    return _lines(proc.stderr)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def all_bad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cutout scene with two usable files and one file of every bad kind."""
    return cutout_scene(tmp_path_factory.mktemp("all-bad"), ALL_CASES, good=2)


def test_validate_names_every_bad_file_and_its_problem(all_bad: Path) -> None:
    lines = _failed_cleanly(run_cli("validate", all_bad))
    assert len(lines) == len(ALL_CASES), lines
    for case in ALL_CASES:
        line = next((ln for ln in lines if f"/{bad_image_name(case)}'" in ln), None)
        assert line is not None, (case, lines)
        assert BAD_IMAGES[case][1] in line, (case, line)


@pytest.mark.parametrize("case", ["truncated", "cmyk", "gray-16-bit", "giant"])
def test_render_stops_on_a_bad_file_before_writing(case: str, tmp_path: Path) -> None:
    spec = cutout_scene(tmp_path / "scene", [case])
    out = tmp_path / "out"
    lines = _failed_cleanly(run_cli("render", spec, "-n", "4", "-o", out, "--workers", "1",
                                    "--quiet"))
    assert len(lines) == 1 and lines[0].startswith("synth: error: cutout ")
    assert bad_image_name(case) in lines[0] and BAD_IMAGES[case][1] in lines[0]
    assert not out.exists()


def test_skip_bad_assets_warns_once_per_file_and_records_them(all_bad: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("render", all_bad, "-n", "12", "-o", out, "--workers", "2", "--quiet",
                   "--skip-bad-assets")
    assert proc.returncode == 0, proc.stderr
    warnings = _lines(proc.stderr)
    assert len(warnings) == len(ALL_CASES), warnings  # the driver warns, workers do not repeat
    assert all(w.startswith("synth: warning: skipped bad asset: cutout ") for w in warnings)
    manifest = json.loads((out / "manifest.json").read_text())
    skipped = manifest["skipped_assets"]
    assert skipped["count"] == len(ALL_CASES)
    assert sorted(Path(f["file"]).name for f in skipped["files"]) == sorted(
        bad_image_name(c) for c in ALL_CASES)
    used = {obj["asset"]["file"] for line in (out / "plans.jsonl").read_text().splitlines()
            for obj in json.loads(line)["plan"]["objects"]}
    assert used and all(Path(f).name.startswith("good-") for f in used)
    coco = json.loads((out / "annotations.json").read_text())
    assert len(coco["images"]) == 12 and coco["annotations"]


def test_skipping_is_independent_of_workers_and_index(all_bad: Path, tmp_path: Path) -> None:
    runs = {}
    for name, workers in {"one": "1", "two": "2"}.items():
        proc = run_cli("render", all_bad, "-n", "6", "-o", tmp_path / name, "--quiet",
                       "--skip-bad-assets", "--workers", workers, "--shard-size", "2")
        assert proc.returncode == 0, proc.stderr
        runs[name] = tree_digest(tmp_path / name)
    assert runs["one"] == runs["two"]
    proc = run_cli("render", all_bad, "--index", "4", "-o", tmp_path / "single", "--quiet",
                   "--workers", "1", "--skip-bad-assets")
    assert proc.returncode == 0, proc.stderr
    image = "images/000004.png"
    assert tree_digest(tmp_path / "single")[image] == runs["one"][image]
    single = json.loads((tmp_path / "single" / "manifest.json").read_text())
    assert single["skipped_assets"]["count"] == len(ALL_CASES)


def test_resume_must_keep_the_flag(all_bad: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("render", all_bad, "-n", "2", "-o", out, "--quiet", "--workers", "1",
                   "--skip-bad-assets").returncode == 0
    # Without the flag the bad files stop the run before the resume record is even read.
    lines = _failed_cleanly(run_cli("render", all_bad, "-n", "2", "-o", out, "--quiet",
                                    "--resume"))
    assert len(lines) == 1 and "cutout " in lines[0]


def test_a_pool_left_empty_is_still_an_error(tmp_path: Path) -> None:
    spec = cutout_scene(tmp_path, ["truncated", "zero-bytes"], good=0)
    lines = _failed_cleanly(run_cli("render", spec, "-n", "2", "-o", tmp_path / "out",
                                    "--quiet", "--skip-bad-assets"))
    assert lines[-1].startswith("synth: error: cutout class folder things/thing has no usable file")
    assert not (tmp_path / "out").exists()


def test_preview_skips_with_the_flag(all_bad: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.png"
    lines = _failed_cleanly(run_cli("preview", all_bad, "-n", "2", "-o", sheet, "--tile", "64"))
    assert len(lines) == 1 and "cutout " in lines[0]
    proc = run_cli("preview", all_bad, "-n", "2", "-o", sheet, "--tile", "64", "--skip-bad-assets")
    assert proc.returncode == 0, proc.stderr
    assert len(_lines(proc.stderr)) == len(ALL_CASES) and sheet.is_file()


def test_fonts_without_the_glyphs_or_unreadable(tmp_path: Path) -> None:
    fonts = {"good.ttf": None, "truncated.ttf": truncated_font(), "text.ttf": b"not a font\n",
             "empty.otf": b"", "blank.ttf": blank_glyph_font("Aж")}
    spec = glyph_scene(tmp_path / "a", ["A", "ж"], fonts)
    lines = _failed_cleanly(run_cli("validate", spec))
    assert sorted(line.split("'")[1] for line in lines) == sorted(f"fonts/{n}" for n in fonts
                                                                  if n != "good.ttf")
    assert sum("cannot be read" in line for line in lines) == 3
    assert any("'fonts/blank.ttf' cannot draw 'A'" in line for line in lines), lines
    missing = glyph_scene(tmp_path / "b", ["A", "\u4e2d"], {"good.ttf": None})
    lines = _failed_cleanly(run_cli("render", missing, "-n", "1", "-o", tmp_path / "o", "--quiet"))
    assert lines == ["synth: error: font 'fonts/good.ttf' lacks glyph(s) '\u4e2d'"]
    out = tmp_path / "skip"
    proc = run_cli("render", spec, "-n", "4", "-o", out, "--quiet", "--skip-bad-assets",
                   "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert len(_lines(proc.stderr)) == 4
    fonts_used = {obj["asset"]["font"] for line in (out / "plans.jsonl").read_text().splitlines()
                  for obj in json.loads(line)["plan"]["objects"]}
    assert fonts_used == {"fonts/good.ttf"}


def test_background_photos_are_checked_too(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "gray16.png").write_bytes(png_bytes(
        np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (48, 1)), 0, 16))
    BAD_IMAGES["truncated"][0](photos / "cut.png")
    spec = tmp_path / "scene.yaml"
    spec.write_text(json.dumps({"canvas": {"width": 32, "height": 32},
                                "background": {"kind": "images", "dir": "photos"},
                                "objects": [{"asset": {"kind": "shape"}, "count": 1}]}))
    lines = _failed_cleanly(run_cli("validate", spec))
    assert len(lines) == 1 and "background image 'photos/cut.png'" in lines[0]
    assert run_cli("validate", spec, "--skip-bad-assets").returncode == 0


def test_sixteen_bit_gray_keeps_its_high_byte(tmp_path: Path) -> None:
    """Pillow's own conversion clips 16-bit gray to white: the reader keeps the high byte."""
    path = tmp_path / "ramp.png"
    path.write_bytes(png_bytes(np.array([[0, 256, 32768, 65535]], np.uint16), 0, 16))
    rgb = read_image(path, "ramp.png", "background image", "RGB")
    assert rgb[0, :, 0].tolist() == [0, 1, 128, 255]
    path.write_bytes(b"")
    with pytest.raises(AssetError, match=r"'ramp.png' is an empty file"):
        read_image(path, "ramp.png", "background image", "RGB")
