"""Precision/recall/density/coverage and nearest neighbours against brute-force computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from renderer.evaluate import knn
from renderer.evaluate.knn import neighbourhoods
from renderer.evaluate.nearest import nearest_analysis
from renderer.evaluate.prdc import prdc


def brute_prdc(fake: np.ndarray, real: np.ndarray, k: int) -> dict[str, float]:
    """Naeem et al.'s definitions, written directly on full distance matrices."""
    real_radii = np.sort(cdist(real, real), axis=1)[:, k]
    fake_radii = np.sort(cdist(fake, fake), axis=1)[:, k]
    d = cdist(real, fake)
    return {"precision": float((d <= real_radii[:, None]).any(axis=0).mean()),
            "recall": float((d <= fake_radii[None, :]).any(axis=1).mean()),
            "density": float((d <= real_radii[:, None]).sum() / (k * len(fake))),
            "coverage": float((d.min(axis=1) <= real_radii).mean())}


@pytest.mark.parametrize("shift", [0.0, 0.7])
def test_prdc_matches_brute_force(shift: float, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knn, "BLOCK_ROWS", 37)  # several blocks, one ragged
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(150, 5)), rng.normal(size=(120, 5)) + shift
    ours = prdc(fake, real, k=5)
    for name, value in brute_prdc(fake, real, 5).items():
        assert ours[name].value == pytest.approx(value, abs=1e-12), name
    assert ours["precision"].n_a == 120 and ours["precision"].extra["k"] == 5


def test_prdc_of_identical_sets() -> None:
    x = np.random.default_rng(1).normal(size=(80, 4))
    result = prdc(x, x.copy(), k=3)
    assert result["precision"].value == result["recall"].value == 1.0
    assert result["coverage"].value == 1.0


def test_nearest_neighbours_match_brute_force(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knn, "BLOCK_ROWS", 16)  # several blocks, one ragged
    rng = np.random.default_rng(2)
    synthetic, real = rng.normal(size=(40, 3)), rng.normal(size=(50, 3))
    result = nearest_analysis(neighbourhoods(synthetic, real, k=2), n_show=4)
    d = cdist(synthetic, real)
    np.testing.assert_array_equal(result["synthetic_to_real"]["neighbour"], d.argmin(axis=1))
    np.testing.assert_allclose(result["synthetic_to_real"]["distance"], d.min(axis=1), atol=1e-9)
    np.testing.assert_array_equal(result["real_to_synthetic"]["neighbour"], d.argmin(axis=0))
    real_d = cdist(real, real) + np.diag(np.full(len(real), np.inf))
    ratio = d.min(axis=0) / real_d.min(axis=1)
    np.testing.assert_allclose(result["real_to_synthetic"]["ratio"], ratio, rtol=1e-9)
    farthest = result["farthest_synthetic"][0]
    assert farthest["index"] == int(d.min(axis=1).argmax())
    assert len(result["missing_modes"]) == 4


def test_missing_mode_is_found() -> None:
    rng = np.random.default_rng(3)
    real = np.vstack([rng.normal(size=(60, 2)), rng.normal(size=(10, 2)) + 20.0])  # two modes
    synthetic = rng.normal(size=(60, 2))  # renders only the first
    result = nearest_analysis(neighbourhoods(synthetic, real, k=3), n_show=5)
    assert all(pair["index"] >= 60 for pair in result["missing_modes"])


def test_standardise_uses_real_statistics() -> None:
    rng = np.random.default_rng(4)
    real = rng.normal(size=(500, 3)) * [1.0, 100.0, 0.0] + 5.0  # one constant dimension
    a, b = knn.standardise(real + 1.0, real)
    np.testing.assert_allclose(b[:, :2].mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(b[:, :2].std(axis=0), 1.0, atol=1e-9)
    assert np.isfinite(a).all()


def test_kth_neighbour_rejects_bad_k() -> None:
    with pytest.raises(ValueError, match="neighbours"):
        knn.own_neighbours(np.zeros((3, 2)), 3)
