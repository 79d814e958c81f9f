"""Sensor noise: the coded bank holds the seeded normal draw, and the effects add the asked sigma."""

from __future__ import annotations

import numpy as np
import pytest

from renderer.effects import noise


def test_bank_codes_the_one_shot_normal_draw() -> None:
    values = np.random.default_rng(noise._BANK_SEED).standard_normal(
        (noise._BANK_SIDE, noise._BANK_SIDE, 3), dtype=np.float32)
    expected = np.clip(np.round(noise._ZERO + noise._CODES_PER_STD * values), 0, 255)
    assert np.array_equal(noise._bank(), expected.astype(np.uint8))


@pytest.mark.parametrize("sigma", [1.0, 5.0, 20.0])
def test_gaussian_noise_adds_the_asked_sigma(sigma: float) -> None:
    grey = np.full((300, 400, 3), 128, np.uint8)
    out = noise.GaussianNoise.apply(grey, {"sigma": sigma, "monochrome": False,
                                           "offset": [0.25, 0.75]})
    added = out.astype(np.float64) - 128
    # rounding to whole levels adds the variance of a uniform step, 1/12
    assert abs(added.std() / np.sqrt(sigma**2 + 1 / 12) - 1) < 0.03
    assert abs(added.mean()) < 0.05 * sigma + 0.05
    # channels draw independent values
    assert abs(np.corrcoef(added[..., 0].ravel(), added[..., 1].ravel())[0, 1]) < 0.02


def test_monochrome_noise_is_the_same_in_every_channel() -> None:
    out = noise.GaussianNoise.apply(np.full((64, 64, 3), 100, np.uint8),
                                    {"sigma": 6.0, "monochrome": True, "offset": [0.5, 0.5]})
    assert np.array_equal(out[..., 0], out[..., 1]) and np.array_equal(out[..., 1], out[..., 2])
    assert out.std() > 4


def test_shot_noise_grows_with_intensity() -> None:
    photons = 100.0
    for level in (40, 160):
        image = np.full((300, 400, 3), level, np.uint8)
        out = noise.ShotNoise.apply(image, {"photons": photons, "offset": [0.1, 0.9]})
        expected = np.sqrt(level * 255 / photons + 1 / 12)
        assert abs((out.astype(np.float64) - level).std() / expected - 1) < 0.03
