"""Handwritten digits (pen-trajectory model) and MNIST's size normalisation and centring."""

from __future__ import annotations

import json
from dataclasses import fields

import numpy as np
import pytest

from renderer.assets.handwriting import (
    HandwritingParams,
    allographs,
    render_handwritten,
    sample_style,
)
from renderer.effects.mnist_normalize import mass_centre, mnist_normalize

DIGITS = "0123456789"
ALL_FORMS = [(d, k) for d in DIGITS for k in range(len(allographs(d)))]


def _style(digit: str, seed: int, params: HandwritingParams | None = None) -> dict:
    return sample_style(digit, params or HandwritingParams(), rng=np.random.default_rng(seed))


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


def test_coarse_capture_keeps_the_size_and_blurs() -> None:
    style = dict(_style("4", 2), resolution=None, softness=0.003, ink=1.0, width=0.12)
    sharp = render_handwritten("4", style, 48)
    coarse = render_handwritten("4", dict(style, resolution=8.0), 48)
    assert np.allclose(coarse.shape, sharp.shape, rtol=0.25)  # the smear widens the fringe
    # fewer saturated pixels and more partial ones: the strokes are smeared
    assert (coarse == 255).sum() < (sharp == 255).sum()
    assert ((coarse > 0) & (coarse < 255)).sum() > ((sharp > 0) & (sharp < 255)).sum()


def test_detail_seed_changes_the_pen_path() -> None:
    style = _style("8", 3)
    other = dict(style, detail_seed=style["detail_seed"] + 1)
    assert render_handwritten("8", style, 40).tobytes() != render_handwritten("8", other, 40).tobytes()


@pytest.mark.parametrize(("digit", "form"), ALL_FORMS)
def test_every_allograph_renders_tight_ink(digit: str, form: int) -> None:
    for seed in range(5):
        style = dict(_style(digit, seed), allograph=form)
        ink = render_handwritten(digit, style, 40)
        assert ink.ndim == 2 and ink.max() > 128
        # tightly cropped: every border row and column carries ink
        assert ink[0].any() and ink[-1].any() and ink[:, 0].any() and ink[:, -1].any()
        assert 30 <= max(ink.shape) <= 56


@pytest.mark.parametrize("size_px", [8, 28, 120])
def test_size_is_the_longer_side(size_px: int) -> None:
    for digit in DIGITS:
        ink = render_handwritten(digit, _style(digit, 5), size_px)
        assert size_px * 0.9 <= max(ink.shape) <= size_px * 1.6 + 2


RANGES = [f.name for f in fields(HandwritingParams) if isinstance(f.default, tuple)]


@pytest.mark.parametrize("end", [0, 1])
def test_extreme_ranges_still_draw(end: int) -> None:
    """Every draw pinned to one end of its default range still gives visible ink."""
    defaults = HandwritingParams()
    pinned = HandwritingParams(coarse_p=1.0, **{name: (getattr(defaults, name)[end],) * 2
                                                for name in RANGES})
    for digit, form in ALL_FORMS:
        style = dict(_style(digit, 1, pinned), allograph=form)
        assert style["resolution"] == pytest.approx(defaults.resolution[end])
        ink = render_handwritten(digit, style, 28)
        # a thin pen captured at 6 px is faint, but it is there
        assert ink.max() > 32 and (ink > ink.max() // 2).sum() > 10


def test_style_draws_stay_in_their_ranges() -> None:
    params = HandwritingParams()
    coarse = 0
    for seed in range(200):
        style = _style(str(seed % 10), seed)
        coarse += style["resolution"] is not None
        for name in RANGES:
            low, high = getattr(params, name)
            for value in np.atleast_1d(style[name]):
                if value is not None:
                    assert low - 1e-9 <= value <= high + 1e-9, name
    assert 0 < coarse < 200  # coarse captures happen, but not always


def test_allograph_weights_reach_every_form() -> None:
    rng = np.random.default_rng(0)
    for digit in DIGITS:
        seen = {sample_style(digit, HandwritingParams(), rng=rng)["allograph"] for _ in range(300)}
        assert seen == set(range(len(allographs(digit))))


def test_unknown_digit_is_an_error() -> None:
    with pytest.raises(KeyError, match="no handwriting templates"):
        sample_style("x", HandwritingParams(), rng=np.random.default_rng(0))


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
