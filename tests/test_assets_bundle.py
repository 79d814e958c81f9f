"""Checks of the bundled assets: manifest, fonts, sign templates, cutouts and backgrounds."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from core_helpers import load_tool
from PIL import Image, ImageFont

REPO_ROOT = Path(__file__).resolve().parents[1]
ASSETS = REPO_ROOT / "assets"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
FONT_SUFFIXES = {".ttf", ".otf"}
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_CUTOUT_BYTES = 40_000
MAX_BACKGROUND_SIDE_PX = 640
MAX_BACKGROUNDS_BYTES = 4_000_000
MAX_FONTS_BYTES = 12_000_000
MAX_ASSETS_BYTES = 20_000_000

FONT_FILES = sorted(p for p in (ASSETS / "fonts").iterdir() if p.suffix in FONT_SUFFIXES)
CUTOUT_FILES = sorted((ASSETS / "cutouts").glob("*/*.png"))
BACKGROUND_FILES = sorted((ASSETS / "backgrounds").glob("*.jpg"))


def manifest_paths() -> list[str]:
    """First-column paths (in backticks) of the table rows in MANIFEST.md."""
    text = (ASSETS / "MANIFEST.md").read_text(encoding="utf-8")
    return re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_manifest_lists_existing_paths() -> None:
    paths = manifest_paths()
    assert len(paths) >= 40, "manifest table not found or too short"
    missing = [p for p in paths if not (ASSETS / p).exists()]
    assert not missing, f"listed in MANIFEST.md but missing: {missing}"
    folders = [p for p in paths if p.endswith("/")]
    assert all((ASSETS / p).is_dir() for p in folders)


def test_manifest_covers_every_bundled_file() -> None:
    listed = manifest_paths()
    folders = tuple(p for p in listed if p.endswith("/"))
    unlisted = [
        rel for rel in (p.relative_to(ASSETS).as_posix() for p in ASSETS.rglob("*") if p.is_file())
        if rel != "MANIFEST.md" and rel not in listed and not rel.startswith(folders)
    ]
    assert not unlisted, f"bundled but not in MANIFEST.md: {unlisted}"


def test_assets_total_size() -> None:
    total = sum(p.stat().st_size for p in ASSETS.rglob("*") if p.is_file())
    assert total < MAX_ASSETS_BYTES
    assert sum(p.stat().st_size for p in FONT_FILES) < MAX_FONTS_BYTES


def test_font_index_matches_files() -> None:
    rows = read_csv(ASSETS / "fonts" / "fonts.csv")
    assert sorted(r["file"] for r in rows) == sorted(p.name for p in FONT_FILES)
    assert len(rows) >= 8
    for row in rows:
        font_path = ASSETS / "fonts" / row["file"]
        assert hashlib.sha256(font_path.read_bytes()).hexdigest() == row["sha256"]
        assert (ASSETS / "fonts" / row["license_file"]).is_file()
        assert row["license"] in {"OFL-1.1", "OFL-1.0", "Bitstream-Vera"}
    categories = {r["category"] for r in rows}
    assert {"handwriting", "script", "din", "sans"} <= categories


def unmapped_codepoint(font: ImageFont.FreeTypeFont) -> str:
    """A private-use character the font has no glyph for, so Pillow draws its .notdef."""
    reference = font.getmask("\U0010fffd")
    for codepoint in range(0xE000, 0xE100):
        if bytes(font.getmask(chr(codepoint))) == bytes(reference):
            return chr(codepoint)
    pytest.fail("could not find a character the font lacks")


@pytest.mark.parametrize("font_path", FONT_FILES, ids=lambda p: p.name)
def test_font_renders_digits_and_letters(font_path: Path) -> None:
    font = ImageFont.truetype(str(font_path), size=32)
    notdef = font.getmask(unmapped_codepoint(font))
    for char in DIGITS + LETTERS:
        mask = font.getmask(char)
        assert mask.size[0] * mask.size[1] > 0, f"{char!r} renders empty"
        assert np.asarray(mask).max() > 0, f"{char!r} renders no ink"
        same_as_notdef = mask.size == notdef.size and bytes(mask) == bytes(notdef)
        assert not same_as_notdef, f"{char!r} renders as .notdef (tofu)"
    digit_masks = {bytes(font.getmask(d)) for d in DIGITS}
    assert len(digit_masks) == len(DIGITS), "some digits share one glyph"


@pytest.mark.parametrize("font_path", FONT_FILES, ids=lambda p: p.name)
def test_font_cmap_has_digits_and_letters(font_path: Path) -> None:
    ttlib = pytest.importorskip("fontTools.ttLib", reason="fontTools (with matplotlib) needed")
    with ttlib.TTFont(font_path, lazy=True) as font:
        cmap = font.getBestCmap()
    missing = [c for c in DIGITS + LETTERS if ord(c) not in cmap]
    assert not missing


def test_signs_have_43_class_folders() -> None:
    signs = ASSETS / "signs"
    folders = sorted(p.name for p in signs.iterdir() if p.is_dir())
    assert folders == [f"{i:02d}" for i in range(43)]
    for name in folders:
        with Image.open(signs / name / f"{name}.png") as image:
            assert image.mode == "RGBA"
            assert image.width == 256 and image.height in (225, 256)
            alpha = np.asarray(image.getchannel("A"))
        assert alpha.max() == 255 and alpha.min() == 0
    classes = read_csv(signs / "classes.csv")
    assert [int(r["class_id"]) for r in classes] == list(range(43))


def test_signs_match_shared_templates() -> None:
    src = SHARED_DATA / "gtsrb-sign-templates"
    if not src.is_dir():
        pytest.skip(f"shared sign templates not available at {src}")
    for class_id in range(43):
        name = f"{class_id:02d}.png"
        assert (ASSETS / "signs" / name[:2] / name).read_bytes() == (src / name).read_bytes()


def test_cutouts_layout_and_alpha() -> None:
    classes = {p.parent.name for p in CUTOUT_FILES}
    assert len(classes) >= 2
    assert 5 <= len(CUTOUT_FILES) <= 20
    for path in CUTOUT_FILES:
        assert path.stat().st_size < MAX_CUTOUT_BYTES
        with Image.open(path) as image:
            assert image.mode == "RGBA", path
            alpha = np.asarray(image.getchannel("A"))
        assert alpha.max() == 255, f"{path}: no opaque pixel"
        # A clean cutout: transparent all around its border, opaque object inside.
        border = np.concatenate([alpha[0], alpha[-1], alpha[:, 0], alpha[:, -1]])
        assert border.max() < 32, f"{path}: object touches the crop border"
        assert (alpha > 127).mean() > 0.2, f"{path}: almost empty alpha"


def test_cutout_keypoint_sidecars() -> None:
    sidecars = sorted((ASSETS / "cutouts").glob("*/*.json"))
    assert sidecars, "at least one class needs keypoint sidecars"
    for sidecar in sidecars:
        record = json.loads(sidecar.read_text())
        assert set(record) == {"keypoints", "names"}
        assert len(record["keypoints"]) == len(record["names"]) > 0
        with Image.open(sidecar.with_suffix(".png")) as image:
            width, height = image.size
            alpha = np.asarray(image.getchannel("A"))
        for x, y in record["keypoints"]:
            assert 0 <= x <= width and 0 <= y <= height
        if "centre" in record["names"]:
            centre_x, centre_y = record["keypoints"][record["names"].index("centre")]
            assert alpha[int(centre_y), int(centre_x)] == 255, "centre must lie on the object"


def test_backgrounds_are_small_rgb_photos() -> None:
    assert len(BACKGROUND_FILES) >= 5
    assert sum(p.stat().st_size for p in BACKGROUND_FILES) < MAX_BACKGROUNDS_BYTES
    licences = {r["file"]: r["license"] for r in read_csv(ASSETS / "backgrounds" / "SOURCES.csv")}
    assert sorted(licences) == [p.name for p in BACKGROUND_FILES]
    assert set(licences.values()) <= {"CC0-1.0", "public-domain", "CC-BY-2.0"}
    for path in BACKGROUND_FILES:
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.mode == "RGB"
            assert max(image.size) <= MAX_BACKGROUND_SIDE_PX


def test_prepare_assets_reproduces_cutouts_and_backgrounds(tmp_path: Path) -> None:
    pytest.importorskip("skimage", reason="scikit-image (eval extra) needed to regenerate")
    pytest.importorskip("sklearn", reason="scikit-learn (eval extra) needed to regenerate")
    tool = load_tool("prepare_assets")
    tool.prepare_cutouts(tmp_path / "cutouts")
    tool.prepare_backgrounds(tmp_path / "backgrounds")
    regenerated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    bundled = sorted(p.relative_to(ASSETS) for p in
                     [*CUTOUT_FILES, *(ASSETS / "cutouts").glob("*/*.json"), *BACKGROUND_FILES,
                      ASSETS / "cutouts" / "SOURCES.csv", ASSETS / "backgrounds" / "SOURCES.csv"])
    assert regenerated == bundled
    for rel in regenerated:
        if rel.suffix == ".jpg":
            # JPEG bytes depend on the libjpeg build; the pixels must still agree.
            with Image.open(tmp_path / rel) as new, Image.open(ASSETS / rel) as old:
                diff = np.abs(np.asarray(new, np.int16) - np.asarray(old, np.int16))
            assert diff.mean() < 1.0, rel
        elif rel.suffix == ".png":
            with Image.open(tmp_path / rel) as new, Image.open(ASSETS / rel) as old:
                assert np.array_equal(np.asarray(new), np.asarray(old)), rel
        else:
            assert (tmp_path / rel).read_bytes() == (ASSETS / rel).read_bytes(), rel


ROADSIDE_FILES = sorted((ASSETS / "roadside").glob("*.jpg"))
MAX_ROADSIDE_BYTES = 1_200_000


def test_roadside_patches_are_small_rgb_squares() -> None:
    assert len(ROADSIDE_FILES) >= 500
    assert sum(p.stat().st_size for p in ROADSIDE_FILES) < MAX_ROADSIDE_BYTES
    assert all(re.fullmatch(r"gtsdb-\d{5}-\d\.jpg", p.name) for p in ROADSIDE_FILES)
    for path in ROADSIDE_FILES[::50]:
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.mode == "RGB" and image.size == (48, 48)


def test_prepare_assets_reproduces_roadside_patches(tmp_path: Path) -> None:
    if not (SHARED_DATA / "gtsdb-dev").is_dir():
        pytest.skip(f"shared GTSDB photos not available at {SHARED_DATA / 'gtsdb-dev'}")
    written = load_tool("prepare_assets").prepare_roadside(SHARED_DATA.parent, tmp_path)
    assert sorted(p.name for p in written) == [p.name for p in ROADSIDE_FILES]
    for path in written[::25]:
        # JPEG bytes depend on the libjpeg build; the pixels must still agree.
        with Image.open(path) as new, Image.open(ASSETS / "roadside" / path.name) as old:
            diff = np.abs(np.asarray(new, np.int16) - np.asarray(old, np.int16))
        assert diff.mean() < 1.0, path.name


def test_no_scene_scored_on_gtsdb_uses_patches_cut_from_it() -> None:
    # tools/street_signs_check.py scores scenes/street-signs.yaml on the GTSDB photos that
    # builtin:roadside was cut from: a background taken from the test images would flatter it.
    scored_on_gtsdb = [REPO_ROOT / "scenes" / "street-signs.yaml"]
    assert all("roadside" not in path.read_text(encoding="utf-8") for path in scored_on_gtsdb)
