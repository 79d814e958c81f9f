"""Handwritten digits (pen-trajectory model, the ``handwriting`` asset kind), the digits scene, and
MNIST's size normalisation and centring."""

from __future__ import annotations

import json

import numpy as np
import pytest
from core_helpers import REPO_ROOT, load_tool
from pydantic import ValidationError

from renderer.assets import ASSETS
from renderer.assets.handwriting import DIGITS, HandwritingParams, sample_style
from renderer.assets.handwriting_render import allographs, render_handwritten
from renderer.classes import class_table
from renderer.render import render_sample
from renderer.scene_context import SceneContext
from renderer.spec.load import load_spec
from renderer.spec.scene import SceneSpec

# MNIST's own normalisation, a dataset protocol the check tool applies to real digits
MNIST_PROTOCOL = load_tool("mnist_protocol")
mass_centre, mnist_normalize = MNIST_PROTOCOL.mass_centre, MNIST_PROTOCOL.mnist_normalize

ALL_FORMS = [(d, k) for d in DIGITS for k in range(len(allographs(d)))]
RANGES = [name for name in HandwritingParams.model_fields if name not in ("kind", "digits")]
DEFAULTS = HandwritingParams()


def _style(digit: str, seed: int, params: HandwritingParams = DEFAULTS) -> dict:
    return sample_style(digit, params, rng=np.random.default_rng(seed))


def test_same_seed_same_style_and_json_round_trip() -> None:
    for digit in DIGITS:
        style = _style(digit, 7)
        assert style == _style(digit, 7)
        assert json.loads(json.dumps(style)) == style
        assert isinstance(style["detail_seed"], int)
    assert _style("3", 7) != _style("3", 8)


def test_same_style_same_bytes() -> None:
    for digit in DIGITS:
        style = _style(digit, 11)
        first = render_handwritten(digit, style, 40)
        replayed = render_handwritten(digit, json.loads(json.dumps(style)), 40)
        assert first.dtype == np.uint8
        assert first.tobytes() == replayed.tobytes() and first.shape == replayed.shape


def test_detail_seed_changes_the_pen_path() -> None:
    style = _style("8", 3)
    other = dict(style, detail_seed=style["detail_seed"] + 1)
    assert render_handwritten("8", style, 40).tobytes() != render_handwritten("8", other, 40).tobytes()


def _stroke_count(digit: str, form: int) -> int:
    return len(allographs(digit)[form].strokes)


def test_lift_moves_only_the_later_strokes_of_a_form() -> None:
    """A pen lift misplaces the strokes after the first; a one-stroke form cannot move, and a
    style planned before ``lift`` existed draws as ``lift: 0``."""
    one_stroke = next((d, k) for d, k in ALL_FORMS if _stroke_count(d, k) == 1)
    many = [(d, k) for d, k in ALL_FORMS if _stroke_count(d, k) > 1]
    assert many
    for digit, form in [one_stroke, *many]:
        still = dict(_style(digit, 4), allograph=form, lift=0.0)
        older = {key: value for key, value in still.items() if key != "lift"}
        base = render_handwritten(digit, still, 60)
        assert render_handwritten(digit, older, 60).tobytes() == base.tobytes()
        lifted = render_handwritten(digit, dict(still, lift=0.1), 60)
        moved = lifted.shape != base.shape or lifted.tobytes() != base.tobytes()
        assert moved == (_stroke_count(digit, form) > 1), (digit, form)


def test_slant_leans_the_top_to_the_right() -> None:
    upright = dict(_style("1", 0), allograph=0, slant=0.0, rotation=0.0, elastic=0.0, jitter=0.0,
                   closure=0.0, aspect=1.0)
    ink = render_handwritten("1", dict(upright, slant=0.6), 60).astype(np.float64)
    rows = ink.shape[0]
    top, bottom = ink[: rows // 4], ink[-rows // 4:]
    cols = np.arange(ink.shape[1])
    assert (top * cols).sum() / top.sum() > (bottom * cols).sum() / bottom.sum() + 5


@pytest.mark.parametrize(("digit", "form"), ALL_FORMS)
def test_every_allograph_renders_tight_ink(digit: str, form: int) -> None:
    for seed in range(5):
        style = dict(_style(digit, seed), allograph=form)
        ink = render_handwritten(digit, style, 40)
        assert ink.ndim == 2 and ink.max() > 128
        # tightly cropped: every border row and column carries ink
        assert ink[0].any() and ink[-1].any() and ink[:, 0].any() and ink[:, -1].any()
        assert 38 <= max(ink.shape) <= 44  # the anti-aliased rim adds up to a pixel per side


@pytest.mark.parametrize("size_px", [1, 3, 8, 28, 120])
def test_size_is_the_longer_side(size_px: int) -> None:
    for digit in DIGITS:
        ink = render_handwritten(digit, _style(digit, 5), size_px)
        assert ink.max() > 0
        assert size_px - 1 <= max(ink.shape) <= size_px + 4


@pytest.mark.parametrize("end", [0, 1])
def test_extreme_ranges_still_draw(end: int) -> None:
    """Every draw pinned to one end of its default range still gives visible ink."""
    pinned = HandwritingParams(**{name: getattr(DEFAULTS, name).bounds()[end] for name in RANGES})
    for digit, form in ALL_FORMS:
        style = dict(_style(digit, 1, pinned), allograph=form)
        assert style["width"] == pytest.approx(DEFAULTS.width.bounds()[end])
        ink = render_handwritten(digit, style, 28)
        assert ink.max() > 128 and (ink > 128).sum() > 10


def test_style_draws_stay_in_their_ranges() -> None:
    for seed in range(200):
        style = _style(str(seed % 10), seed)
        for name in RANGES:
            low, high = getattr(DEFAULTS, name).bounds()
            for value in np.atleast_1d(style[name]):
                assert low - 1e-9 <= value <= high + 1e-9, name


def test_allograph_weights_reach_every_form() -> None:
    rng = np.random.default_rng(0)
    for digit in DIGITS:
        seen = {sample_style(digit, DEFAULTS, rng=rng)["allograph"] for _ in range(300)}
        assert seen == set(range(len(allographs(digit))))


def test_unknown_digit_is_an_error() -> None:
    with pytest.raises(KeyError, match="no handwriting templates"):
        sample_style("x", DEFAULTS, rng=np.random.default_rng(0))
    with pytest.raises(ValidationError, match="unknown 'x'"):
        HandwritingParams(digits=["1", "x"])
    with pytest.raises(ValidationError, match="width"):
        HandwritingParams(width=[0.0, 0.2])


def test_the_kind_draws_only_its_digits_and_rasters_coverage() -> None:
    kind = ASSETS.get("handwriting")
    params = HandwritingParams(digits={"1": 1, "7": 3})
    ctx = SceneContext()
    assert kind.describe(params, ctx).classes == ("1", "7")
    rng = np.random.default_rng(0)
    records = [kind.sample(params, rng=rng, ctx=ctx) for _ in range(200)]
    counts = {d: sum(r["class_name"] == d for r in records) for d in ("1", "7")}
    assert counts["1"] + counts["7"] == 200 and 20 < counts["1"] < counts["7"]
    raster = kind.raster(records[0], 50, ctx)
    assert raster.rgb is None and raster.keypoints.shape == (0, 2)
    expected = render_handwritten(records[0]["digit"], records[0]["style"], 50)
    assert np.array_equal(raster.alpha, expected)


@pytest.fixture(scope="module")
def digits_spec() -> SceneSpec:
    return load_spec(REPO_ROOT / "scenes" / "digits.yaml")


def test_digits_scene_renders_mnist_like_images(digits_spec: SceneSpec) -> None:
    assert class_table(digits_spec).names == DIGITS
    labels = []
    for index in range(30):
        sample = render_sample(digits_spec, 0, index)
        image = sample.image[..., 0]
        assert sample.image.shape == (28, 28, 1) and sample.image.dtype == np.uint8
        assert sample.plan["objects"][0]["asset"]["kind"] == "handwriting"
        assert sample.class_names[sample.label] == sample.plan["objects"][0]["class_name"]
        labels.append(sample.label)
        # MNIST's frame: white ink on black, centre of mass within a pixel of the centre,
        # the (non-faint) ink about 20 px on its longer side
        assert (image == 0).mean() > 0.3 and image.max() >= 200
        row, col = mass_centre(image)
        assert abs(row - 14) <= 1 and abs(col - 14) <= 1
        ys, xs = np.nonzero(image > 64)
        assert 18 <= max(np.ptp(ys), np.ptp(xs)) + 1 <= 23
        assert render_sample(digits_spec, 0, index).image.tobytes() == sample.image.tobytes()
    assert len(set(labels)) >= 8  # the classes are the spec's draws: all ten turn up


def test_mnist_normalize_centres_mass_and_fits_the_box() -> None:
    for seed in range(60):
        digit = str(seed % 10)
        ink = render_handwritten(digit, _style(digit, seed), 64)
        out = mnist_normalize(ink)
        assert out.shape == (28, 28) and out.dtype == np.uint8
        row, col = mass_centre(out)
        assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5
        ys, xs = np.nonzero(out)
        extent = (ys.max() - ys.min() + 1, xs.max() - xs.min() + 1)
        assert 18 <= max(extent) <= 20  # the area filter may fade a faint edge row to 0


def test_mnist_normalize_enlarges_small_ink_and_keeps_aspect() -> None:
    bar = np.zeros((6, 3), np.uint8)
    bar[:, 1] = 255
    bar[0, :] = 255  # a small T: 6 tall, 3 wide
    out = mnist_normalize(bar, out_size=28, box=20)
    ys, xs = np.nonzero(out)
    assert ys.max() - ys.min() + 1 == 20
    assert 9 <= xs.max() - xs.min() + 1 <= 11
    row, col = mass_centre(out)
    assert abs(row - 14) <= 0.5 and abs(col - 14) <= 0.5


def test_mnist_normalize_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no ink"):
        mnist_normalize(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="2-D"):
        mnist_normalize(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="box"):
        mnist_normalize(np.full((4, 4), 255, np.uint8), out_size=28, box=29)
