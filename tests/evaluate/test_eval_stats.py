"""Image and label statistics: each perturbation moves its statistic and the hint says so."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from eval_helpers import make_set, natural_patches

from renderer.evaluate.compare import compare, hint_text
from renderer.evaluate.image_stats import blockiness, luma, measure_images, noise
from renderer.evaluate.label_stats import label_statistics
from renderer.evaluate.stats import IMAGE_HINTS, image_statistics


@pytest.fixture(scope="module")
def patches() -> list[np.ndarray]:
    return natural_patches(120, rng=np.random.default_rng(0))


def _row(result: dict, name: str) -> dict:
    return next(row for row in result["table"] if row["name"] == name)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    _, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def _noisy(image: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(scale=12.0, size=image.shape), 0, 255).astype(np.uint8)


PERTURBATIONS = {
    # name: (perturb the synthetic side, statistic, words the hint must contain)
    "darker": (lambda im, i: (im * 0.6).astype(np.uint8), "brightness",
               ["darker", "raise lighting.ambient"]),
    "brighter": (lambda im, i: np.clip(im * 1.0 + 50, 0, 255).astype(np.uint8), "brightness",
                 ["brighter", "lower lighting.ambient"]),
    "blurred": (lambda im, i: cv2.GaussianBlur(im, (0, 0), 2.0), "sharpness",
                ["blurrier", "lower effects[blur].sigma"]),
    "noisy": (_noisy, "noise", ["noisier", "lower effects[gaussian_noise].sigma"]),
    "jpeg": (lambda im, i: _jpeg(im, 10), "blockiness",
             ["blockier", "raise effects[jpeg].quality"]),
    "warm": (lambda im, i: np.clip(im * [1.2, 1.0, 0.75], 0, 255).astype(np.uint8), "temperature",
             ["warmer", "raise lighting.temperature"]),
    "grayish": (lambda im, i: cv2.addWeighted(im, 0.4, cv2.cvtColor(
        cv2.cvtColor(im, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB), 0.6, 0), "saturation",
        ["less saturated", "raise material.saturation_scale"]),
    "flat": (lambda im, i: (im * 0.4 + 80).astype(np.uint8), "contrast",
             ["flatter", "raise effects[exposure].contrast"]),
}


@pytest.mark.parametrize("case", sorted(PERTURBATIONS))
def test_hint_points_the_right_way(case: str, patches: list[np.ndarray]) -> None:
    perturb, stat, words = PERTURBATIONS[case]
    synthetic = [perturb(image, i) for i, image in enumerate(patches[:60])]
    result = image_statistics(synthetic, patches[60:])
    row = _row(result, stat)
    assert row["differs"], row
    for word in words:
        assert word in row["hint"], row["hint"]


def test_same_distribution_gives_no_clear_difference(patches: list[np.ndarray]) -> None:
    result = image_statistics(patches[:60], patches[60:])
    assert not _row(result, "brightness")["differs"]
    assert "no clear difference" in _row(result, "brightness")["hint"]


@pytest.mark.parametrize(("scale", "words"), [(3.0, ["means agree", "varies 3.1x as widely",
                                                     "narrow lighting.temperature"]),
                                               (0.4, ["means agree", "varies 0.41x as widely",
                                                      "widen lighting.temperature"])])
def test_spread_is_worded_when_the_means_agree(scale: float, words: list[str]) -> None:
    rng = np.random.default_rng(3)
    real = rng.normal(0.0, 1.0, 2000)
    synthetic = rng.normal(0.0, scale, 2000)
    result = compare(synthetic, real)
    assert not result["differs"] and result["spread_differs"]
    assert result["spread_ratio"] == pytest.approx(scale, rel=0.1)
    text = hint_text(result, IMAGE_HINTS["temperature"], "log2 ratio")
    for word in words:
        assert word in text, text


def test_a_shift_and_a_wider_spread_are_both_worded() -> None:
    rng = np.random.default_rng(4)
    result = compare(rng.normal(30.0, 40.0, 500), rng.normal(60.0, 10.0, 500))
    text = hint_text(result, IMAGE_HINTS["brightness"], "mean luma, 0-255")
    assert result["differs"] and result["spread_differs"]
    assert text.startswith("synthetic is darker than real") and "raise lighting.ambient" in text
    assert "; it varies 3.9x as widely as real" in text and "narrow lighting.ambient" in text


def test_same_spread_is_not_worded() -> None:
    rng = np.random.default_rng(5)
    result = compare(rng.normal(0.0, 1.0, 2000), rng.normal(0.0, 1.0, 2000))
    assert not result["spread_differs"] and 0.9 < result["spread_ratio"] < 1.1
    assert compare(np.zeros(10), np.zeros(10))["spread_differs"] is False


def test_image_statistics_see_exposure_drawn_over_too_wide_a_range(
        patches: list[np.ndarray]) -> None:
    # the real side exposed alike (mean luma about 100 each), the synthetic side as it came
    real = [np.clip(image * (100.0 / max(luma(image).mean(), 1.0)), 0, 255).astype(np.uint8)
            for image in patches[60:]]
    row = _row(image_statistics(patches[:60], real), "brightness")
    assert row["spread_differs"] and row["spread_ratio"] > 1.5
    assert "as widely as real" in row["hint"] and "narrow lighting.ambient" in row["hint"]


def test_noise_estimate_reads_added_sigma() -> None:
    flat = np.full((64, 64, 3), 128, np.uint8)
    noisy = np.clip(128 + np.random.default_rng(1).normal(scale=5.0, size=(64, 64, 1)), 0,
                    255).astype(np.uint8).repeat(3, axis=2)
    assert noise(flat, luma(flat)) == 0.0
    assert noise(noisy, luma(noisy)) == pytest.approx(5.0, rel=0.15)


def test_blockiness_is_one_without_blocks_and_small_images_are_nan() -> None:
    smooth = np.tile(np.linspace(0, 255, 64, dtype=np.float32), (64, 1))
    rgb = np.repeat(smooth[..., None], 3, axis=2).astype(np.uint8)
    assert blockiness(rgb, luma(rgb)) == pytest.approx(1.0, abs=0.05)
    tiny = measure_images([np.zeros((8, 8, 1), np.uint8)])
    assert np.isnan(tiny["blockiness"][0]) and np.isnan(tiny["spectrum_slope"][0])


def test_compare_needs_two_values_per_side() -> None:
    assert compare(np.array([1.0]), np.array([1.0, 2.0]))["available"] is False
    constant = compare(np.zeros(10), np.ones(10))
    assert constant["differs"] and constant["effect_size"] < 0


def test_label_statistics_of_boxes_and_classes() -> None:
    rng = np.random.default_rng(3)
    image = np.zeros((100, 200, 3), np.uint8)

    def objects(x_offset: float, n: int) -> list[dict]:
        out = []
        for _ in range(n):
            k = int(rng.integers(1, 4))
            x1 = rng.uniform(0, 60, size=k) + x_offset
            y1 = rng.uniform(0, 60, size=k)
            out.append({"boxes": np.c_[x1, y1, x1 + 20, y1 + 30], "classes": rng.integers(0, 2, k),
                        "visibility": rng.uniform(0.5, 1.0, size=k)})
        return out

    names = ("car", "person")
    real = make_set([image] * 40, objects=objects(0.0, 40), class_names=names)
    synthetic = make_set([image] * 40, objects=objects(100.0, 40), class_names=names)
    result = label_statistics(synthetic, real)
    assert result is not None
    row = next(r for r in result["table"] if r["name"] == "box_x")
    assert row["differs"] and "further right" in row["hint"]
    assert "pose.x towards 0" in row["hint"]
    assert result["box_classes"]["classes"] == ["car", "person"]
    assert label_statistics(make_set([image]), make_set([image])) is None


def test_box_sizes_drawn_over_too_wide_a_range_are_named() -> None:
    rng = np.random.default_rng(6)
    image = np.zeros((200, 200, 3), np.uint8)

    def objects(sides: np.ndarray) -> list[dict]:
        return [{"boxes": np.array([[10.0, 10.0, 10.0 + side, 10.0 + side]]),
                 "classes": np.array([0]), "visibility": np.array([1.0])} for side in sides]

    real = make_set([image] * 200, objects=objects(rng.uniform(50, 70, 200)))
    synthetic = make_set([image] * 200, objects=objects(rng.uniform(20, 100, 200)))
    row = next(r for r in label_statistics(synthetic, real)["table"] if r["name"] == "box_size")
    assert row["spread_differs"] and row["spread_ratio"] > 2
    assert "means agree" in row["hint"] and "narrow objects[].pose.scale" in row["hint"]


def test_class_frequencies_match_by_name() -> None:
    image = np.zeros((8, 8, 1), np.uint8)
    real = make_set([image] * 4, labels=np.array([0, 0, 1, 1]), class_names=("cat", "dog"))
    synthetic = make_set([image] * 4, labels=np.array([0, 0, 0, 1]), class_names=("dog", "cat"))
    freq = label_statistics(synthetic, real)["classes"]
    assert freq["classes"] == ["cat", "dog"]
    assert list(freq["synthetic"]) == [0.25, 0.75] and freq["total_variation"] == 0.25
    hints = " ".join(freq["hints"])
    assert "'dog' is over-represented" in hints and "'cat' is under-represented" in hints
