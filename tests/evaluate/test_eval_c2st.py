"""The domain classifier: chance for one distribution, separable for clearly different sets."""

from __future__ import annotations

import numpy as np
import pytest
from eval_helpers import digits
from sklearn.metrics import roc_auc_score

from renderer.evaluate.c2st import auc, c2st
from renderer.evaluate.features import build_extractor, extract_features
from renderer.evaluate.plans import numeric_leaves, plan_correlations


@pytest.fixture(scope="module")
def digit_features() -> np.ndarray:
    images, _ = digits()
    return extract_features(build_extractor("randfeat", device="cpu"), list(images[:800]))


def test_two_halves_of_one_set_are_at_chance(digit_features: np.ndarray) -> None:
    halves = np.random.default_rng(0).permutation(len(digit_features)).reshape(2, -1)
    result = c2st(digit_features[halves[0]], digit_features[halves[1]],
                  rng=np.random.default_rng(0), n_bootstrap=100)
    assert 0.4 < result.value < 0.6
    assert result.ci_low < 0.5 < result.ci_high
    assert len(result.extra["scores_synthetic"]) == 400 == len(result.extra["scores_real"])


def test_clearly_different_sets_are_separable(digit_features: np.ndarray) -> None:
    images, _ = digits()
    inverted = extract_features(build_extractor("randfeat", device="cpu"),
                                [255 - image for image in images[:400]])
    result = c2st(inverted, digit_features[400:], rng=np.random.default_rng(0), n_bootstrap=50,
                  n_show=3)
    assert result.value > 0.99
    assert len(result.extra["most_synthetic_looking"]) == 3
    scores = np.asarray(result.extra["scores_synthetic"])
    assert scores[result.extra["most_synthetic_looking"][0]] == scores.max()
    assert scores[result.extra["most_real_looking"][0]] == scores.min()


def test_c2st_is_reproducible(digit_features: np.ndarray) -> None:
    runs = [c2st(digit_features[:100], digit_features[100:200], rng=np.random.default_rng(5),
                 n_bootstrap=20) for _ in range(2)]
    assert runs[0].value == runs[1].value and runs[0].ci_low == runs[1].ci_low
    np.testing.assert_array_equal(runs[0].extra["scores_real"], runs[1].extra["scores_real"])


def test_auc_matches_sklearn() -> None:
    rng = np.random.default_rng(1)
    positive, negative = rng.normal(size=50) + 0.5, np.round(rng.normal(size=70), 1)
    labels = np.r_[np.ones(50), np.zeros(70)]
    assert auc(positive, negative) == pytest.approx(
        roc_auc_score(labels, np.r_[positive, negative]))


def test_plan_correlations_find_the_telling_parameter() -> None:
    rng = np.random.default_rng(2)
    blur = rng.uniform(0, 3, size=200)
    plans = [{"effects": [{"kind": "blur", "sigma": float(s), "applied": True}],
              "lighting": {"ambient": float(a)}} for s, a in zip(blur, rng.uniform(size=200),
                                                                 strict=True)]
    scores = 1 / (1 + np.exp(-(blur - 1.5) * 3)) + rng.normal(scale=0.05, size=200)
    rows = plan_correlations(plans, scores)
    assert rows[0]["parameter"] == "effects.0.sigma" and rows[0]["rho"] > 0.8
    assert "higher effects.0.sigma" in rows[0]["hint"]
    assert numeric_leaves({"a": [1, {"b": True}], "c": "text"}) == {"a.0": 1.0, "a.1.b": 1.0}
