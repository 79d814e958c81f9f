"""Poisson blending: the coarse membrane solve stays close to OpenCV's full-resolution solve."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from renderer.compose import poisson


def _scene(size: int, texture: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A smooth, noisy background; a red disc carrying a green letter pasted over it."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    smooth = np.stack([100 + 40 * np.sin(xx / 15), 120 + 30 * np.cos(yy / 20), 90 + 0 * xx], -1)
    dst = np.clip(smooth + rng.normal(0, texture, smooth.shape), 0, 255).astype(np.uint8)
    alpha = np.zeros((size, size), np.uint8)
    cv2.circle(alpha, (size // 2, size // 2), size // 2 - 16, 255, -1)
    obj = np.full_like(dst, (200, 60, 40))
    cv2.putText(obj, "A", (size // 4, 3 * size // 4), cv2.FONT_HERSHEY_SIMPLEX, size / 50, (30, 200, 30), 6)
    src = np.where(alpha[..., None] > 0, obj, dst)
    return dst, src, alpha


def _full(dst: np.ndarray, src: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return poisson._clone(src, dst, cv2.dilate((alpha > 0).astype(np.uint8) * 255, poisson._GROW))


@pytest.mark.parametrize(("size", "texture"), [(160, 4.0), (240, 15.0)])
def test_coarse_solve_matches_the_full_resolution_solve(size: int, texture: float) -> None:
    dst, src, alpha = _scene(size, texture)
    coarse = poisson.poisson_blend(dst, src, alpha).astype(np.int16)
    full = _full(dst, src, alpha).astype(np.int16)
    diff = np.abs(coarse - full)
    assert diff.mean() < 4.0
    # no rim of the object's colour along its edge: a coarse solve that averages the object with
    # the background under the edge cells leaves one, 11-13 levels off the full solve here
    edge = cv2.morphologyEx(alpha, cv2.MORPH_GRADIENT, np.ones((5, 5), np.uint8)) > 0
    assert diff[edge].mean() < 8.0
    # the object's own detail (the letter) is kept at full resolution
    letter = (src[..., 1] > 150) & (alpha > 0)
    assert np.abs(coarse[letter] - full[letter]).mean() < 6


def test_small_objects_use_the_exact_solve() -> None:
    dst, src, alpha = _scene(80, 4.0)
    assert np.array_equal(poisson.poisson_blend(dst, src, alpha), _full(dst, src, alpha))


def test_nothing_to_blend_returns_the_background() -> None:
    dst, src, _ = _scene(64, 4.0)
    assert poisson.poisson_blend(dst, src, np.zeros(dst.shape[:2], np.uint8)) is dst


@pytest.mark.parametrize("size", [80, 240])  # the exact and the coarse solve
def test_strength_keeps_a_flat_object_visible(size: int) -> None:
    """A full blend gives a flat object the background's colour; a strength s keeps about
    1 - s of its contrast, and 0 is the plain composite."""
    dst, _, alpha = _scene(size, 4.0)
    src = np.where(alpha[..., None] > 0, np.full_like(dst, (200, 60, 40)), dst)
    inner = cv2.erode(alpha, np.ones((9, 9), np.uint8)) > 0
    full_contrast = np.abs(src[inner].astype(np.float64) - dst[inner]).mean()

    def kept(strength: float) -> float:
        out = poisson.poisson_blend(dst, src, alpha, strength)
        return float(np.abs(out[inner].astype(np.float64) - dst[inner]).mean() / full_contrast)

    assert np.array_equal(poisson.poisson_blend(dst, src, alpha, 0.0), src)
    assert kept(1.0) < 0.35
    assert 0.3 < kept(0.5) < 0.7
    assert kept(0.3) > kept(0.5) > kept(1.0)
