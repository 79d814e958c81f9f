"""Cutout ``stroke``: bolder or thinner pictogram strokes, the sign's outline left as it is."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from renderer.assets.base import AssetRaster, shrink
from renderer.assets.cutout import Cutout, CutoutParams, restroke
from renderer.render import render_sample
from renderer.scene_context import SceneContext
from renderer.spec.load import validate_spec
from renderer.spec.scene import SceneSpec

CTX = SceneContext()


def _pictogram() -> AssetRaster:
    """A white 64 px disc with a black bar 8 px wide, transparent outside the disc."""
    yy, xx = np.mgrid[:64, :64]
    alpha = np.where((yy - 31.5) ** 2 + (xx - 31.5) ** 2 <= 30 ** 2, 255, 0).astype(np.uint8)
    rgb = np.full((64, 64, 3), 255, np.uint8)
    rgb[:, 28:36] = 0
    rgb = (rgb.astype(np.uint16) * alpha[..., None] // 255).astype(np.uint8)
    return AssetRaster(alpha, rgb, np.zeros((0, 2), np.float32))


def _ink(raster: AssetRaster) -> float:
    """Darkness summed over the opaque pixels, in pixels of black (linear in fractional growth)."""
    assert raster.rgb is not None
    opaque = raster.alpha == 255
    return float((255 - raster.rgb[opaque].mean(axis=1)).sum() / 255)


@pytest.mark.parametrize("stroke", [-2 / 64, -3.5 / 64, 2 / 64, 3.5 / 64])
def test_stroke_grows_dark_or_light_parts_by_the_fraction(stroke: float) -> None:
    base = _pictogram()
    out = restroke(base, stroke)
    rows = int((base.alpha[:, 32] == 255).sum())
    # the bar (8 px wide) gets 2 * |stroke| * 64 px wider (< 0) or narrower (> 0), on every row
    # of the disc that it crosses
    expected = _ink(base) - np.sign(stroke) * 2 * abs(stroke) * 64 * rows
    assert _ink(out) == pytest.approx(expected, rel=0.05)
    assert np.array_equal(out.alpha, base.alpha)


def test_the_surround_neither_bleeds_in_nor_grows() -> None:
    base = _pictogram()
    light = restroke(base, 4 / 64)
    assert light.rgb is not None
    assert light.rgb[base.alpha == 0].max() == 0  # premultiplied: still nothing outside
    # a dilation would pull the black surround in if it were not masked: the rim stays white
    rim = (base.alpha == 255) & (light.rgb[..., 0] < 200)
    assert not rim[:, :20].any()


def test_stroke_is_drawn_only_when_asked() -> None:
    params = CutoutParams(dir="builtin:signs", classes=("14",))
    record = Cutout.sample(params, rng=np.random.default_rng(0), ctx=CTX)
    assert "stroke" not in record
    with_stroke = CutoutParams(dir="builtin:signs", classes=("14",), stroke=[-0.02, 0.01])
    drawn = Cutout.sample(with_stroke, rng=np.random.default_rng(0), ctx=CTX)
    assert -0.02 <= drawn["stroke"] <= 0.01 and drawn["file"] == record["file"]


def test_a_scene_with_stroke_is_deterministic_and_differs_from_none() -> None:
    def spec(stroke: str) -> SceneSpec:
        return validate_spec(yaml.safe_load(f"""
version: 1
canvas: {{width: 48, height: 48}}
task: classification
background: {{kind: solid}}
objects:
  - asset: {{kind: cutout, dir: builtin:signs, classes: ["27"]{stroke}}}
    pose: {{scale: 0.9}}
"""))
    plain, stroked = spec(""), spec(", stroke: [-0.03, -0.02]")
    first, again = render_sample(stroked, 3, 0).image, render_sample(stroked, 3, 0).image
    assert np.array_equal(first, again)
    darker = render_sample(plain, 3, 0).image.astype(int).sum() - first.astype(int).sum()
    assert darker > 0


def test_the_cached_shrunk_path_matches_restroking_at_full_size() -> None:
    # Cutout.raster blends whole radii after shrinking them (both steps are linear): the same
    # pixels, up to rounding, as blending at full size and shrinking once
    record = Cutout.sample(CutoutParams(dir="builtin:signs", classes=("40",)),
                           rng=np.random.default_rng(0), ctx=CTX)
    full = Cutout.raster(record, 4096, CTX)
    for stroke in (-0.013, 0.006):
        fast = Cutout.raster({**record, "stroke": stroke}, 24, CTX)
        slow = shrink(restroke(full, stroke), 24)
        assert fast.rgb is not None and slow.rgb is not None
        assert np.array_equal(fast.alpha, slow.alpha)
        assert np.abs(fast.rgb.astype(int) - slow.rgb.astype(int)).max() <= 1
        assert not np.array_equal(fast.rgb, Cutout.raster(record, 24, CTX).rgb)
