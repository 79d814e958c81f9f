"""FID and KID against independent computations on the same features, identities, bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torchmetrics.image.fid import _compute_fid
from torchmetrics.image.kid import poly_mmd

from renderer.evaluate.distances import (
    frechet,
    frechet_distance,
    gaussian_stats,
    kid,
    subset_indicators,
    weighted_mmd2,
)


def scipy_fid(a: np.ndarray, b: np.ndarray) -> float:
    """The pytorch-fid / clean-fid formula with scipy.linalg.sqrtm, written independently."""
    mu1, mu2 = a.mean(axis=0), b.mean(axis=0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    covmean = np.real(covmean)
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def features(seed: int, n: int = 400, d: int = 16, shift: float = 0.0,
             scale: float = 1.0) -> np.ndarray:
    # one fixed mixing for every seed: correlated dimensions, like real features
    mixing = np.random.default_rng(1234).normal(size=(d, d)) / np.sqrt(d)
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, d)) @ mixing) * scale + shift


def test_frechet_matches_scipy_sqrtm_and_torchmetrics() -> None:
    a, b = features(0), features(1, shift=0.3, scale=1.3)
    ours = frechet(a, b, rng=np.random.default_rng(0), n_bootstrap=0).value
    stats = [torch.from_numpy(v) for v in (*gaussian_stats(a), *gaussian_stats(b))]
    assert ours == pytest.approx(scipy_fid(a, b), rel=1e-8)
    assert ours == pytest.approx(float(_compute_fid(*stats)), rel=1e-8)


def test_frechet_handles_singular_covariances() -> None:
    a, b = features(0, n=10, d=32), features(1, n=10, d=32, shift=1.0)  # n < d: rank-deficient
    result = frechet(a, b, rng=np.random.default_rng(0), n_bootstrap=0)
    assert result.value == pytest.approx(scipy_fid(a, b), rel=1e-6)
    assert "warning" in result.extra


def test_kid_full_sample_matches_torchmetrics() -> None:
    a, b = features(2, n=300), features(3, n=300, shift=0.2)
    reference = float(poly_mmd(torch.from_numpy(a), torch.from_numpy(b)))
    result = kid(a, b, rng=np.random.default_rng(0), subset_size=300, n_subsets=2,
                 n_bootstrap=0)
    assert result.extra["mmd2_full_sample"] == pytest.approx(reference, rel=1e-9)
    assert result.value == pytest.approx(reference, rel=1e-9)  # subsets of all = the full set


def test_kid_subsets_are_unbiased_mmd_of_each_subset() -> None:
    a, b = features(4, n=120), features(5, n=150, shift=0.5)
    rng = np.random.default_rng(7)
    wa = subset_indicators(len(a), 50, 3, rng=rng)
    wb = subset_indicators(len(b), 50, 3, rng=rng)
    ours = weighted_mmd2(a, b, wa, wb)
    for c in range(3):
        sub_a, sub_b = a[wa[:, c] > 0], b[wb[:, c] > 0]
        assert ours[c] == pytest.approx(
            float(poly_mmd(torch.from_numpy(sub_a), torch.from_numpy(sub_b))), rel=1e-9)


def test_distance_of_a_set_to_itself_is_zero() -> None:
    a = features(6)
    assert frechet(a, a, rng=np.random.default_rng(0), n_bootstrap=0).value == pytest.approx(
        0.0, abs=1e-9)
    same = kid(features(6, n=400), features(8, n=400), rng=np.random.default_rng(0),
               subset_size=200, n_subsets=20, n_bootstrap=50)
    assert same.ci_low <= 0.0 <= same.ci_high  # two samples of one distribution


def test_clear_shift_is_detected_with_interval_above_zero() -> None:
    a, b = features(9), features(10, shift=1.0)
    result = kid(a, b, rng=np.random.default_rng(0), subset_size=200, n_subsets=20,
                 n_bootstrap=50)
    assert result.ci_low > 0.0
    assert result.ci_low <= result.extra["mmd2_full_sample"] <= result.ci_high
    fid = frechet(a, b, rng=np.random.default_rng(0), n_bootstrap=10)
    assert 0.0 < fid.ci_low < fid.value < fid.ci_high
    assert (fid.n_a, fid.n_b) == (len(a), len(b))


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(5, 40), st.integers(1, 6))
def test_distances_are_symmetric(seed: int, n: int, d: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(n, d)), rng.normal(size=(n + 3, d)) + rng.normal(size=d)
    forward = frechet_distance(*gaussian_stats(a), *gaussian_stats(b))
    backward = frechet_distance(*gaussian_stats(b), *gaussian_stats(a))
    assert forward == pytest.approx(backward, rel=1e-6, abs=1e-9)
    ones_a, ones_b = np.ones((len(a), 1)), np.ones((len(b), 1))
    assert weighted_mmd2(a, b, ones_a, ones_b)[0] == pytest.approx(
        weighted_mmd2(b, a, ones_b, ones_a)[0], rel=1e-9, abs=1e-12)


def test_bootstrap_is_reproducible_under_a_seed() -> None:
    a, b = features(11), features(12, shift=0.3)
    runs = [kid(a, b, rng=np.random.default_rng(3), subset_size=100, n_subsets=5,
                n_bootstrap=30) for _ in range(2)]
    assert runs[0] == runs[1]
    other = kid(a, b, rng=np.random.default_rng(4), subset_size=100, n_subsets=5, n_bootstrap=30)
    assert other.ci_low != runs[0].ci_low
    fids = [frechet(a, b, rng=np.random.default_rng(3), n_bootstrap=5) for _ in range(2)]
    assert fids[0] == fids[1]


def test_kid_rejects_tiny_sets() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        kid(features(0, n=1), features(1), rng=np.random.default_rng(0))
