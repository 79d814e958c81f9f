"""Feature extractors: the weight-free one, pretrained ones from local weight files, and the
pinned preprocessing."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision
from eval_helpers import natural_patches
from PIL import Image

from renderer.evaluate.features import (
    EXTRACTORS,
    HUB_FILES,
    WeightsUnavailableError,
    build_extractor,
    extract_features,
)
from renderer.evaluate.preprocess import prepare_batch, prepare_image

FACTORIES: dict[str, Callable[[], torch.nn.Module]] = {
    "resnet50": lambda: torchvision.models.resnet50(weights=None),
    "inception": lambda: torchvision.models.inception_v3(weights=None, aux_logits=True,
                                                         init_weights=False),
}


def random_weights(name: str, path: Path) -> Path:
    """Save the state_dict of a randomly initialised torchvision model (local generator)."""
    with torch.device("meta"):
        model = FACTORIES[name]()
    model.to_empty(device="cpu")
    generator = torch.Generator().manual_seed(0)
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d | torch.nn.Linear):
            torch.nn.init.kaiming_normal_(module.weight, generator=generator)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, torch.nn.BatchNorm2d):
            module.reset_parameters()
    torch.save(model.state_dict(), path)
    return path


def test_registry_lists_the_extractors() -> None:
    assert set(EXTRACTORS.names()) == {"randfeat", "inception", "resnet50"}


def test_randfeat_is_deterministic_and_batch_invariant() -> None:
    images = natural_patches(7, size=40, rng=np.random.default_rng(0))
    images.append(np.zeros((20, 30, 1), np.uint8))  # gray, other size
    first = extract_features(build_extractor("randfeat", device="cpu"), images, batch_size=3)
    second = extract_features(build_extractor("randfeat", device="cpu"), images)
    assert first.shape == (8, 842) and np.isfinite(first).all()
    np.testing.assert_allclose(first, second, rtol=1e-5, atol=1e-6)
    assert not np.allclose(first[0], first[1])
    info = build_extractor("randfeat", device="cpu").info()
    assert info["extractor"] == "randfeat" and "not comparable" in info["warning"]
    assert info["preprocessing"]["size"] == [64, 64]


@pytest.mark.parametrize("name", ["resnet50", "inception"])
def test_pretrained_extractor_from_a_weights_file(name: str, tmp_path: Path) -> None:
    weights = random_weights(name, tmp_path / "weights.pth")
    extractor = build_extractor(name, weights=weights, device="cpu")
    images = natural_patches(2, size=48, rng=np.random.default_rng(1))
    features = extract_features(extractor, images)
    assert features.shape == (2, 2048) and np.isfinite(features).all()
    assert extractor.info()["weights"].startswith("weights.pth sha256:")


def test_pretrained_weights_are_found_in_the_hub_cache(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "hub" / "checkpoints"
    cache.mkdir(parents=True)
    weights = random_weights("resnet50", tmp_path / "w.pth")
    shutil.move(weights, cache / HUB_FILES["resnet50"][0])
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert build_extractor("resnet50", device="cpu").weights.startswith(HUB_FILES["resnet50"][0])


def test_absent_weights_raise_a_clear_error(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty cache
    with pytest.raises(WeightsUnavailableError, match="nothing is downloaded"):
        build_extractor("inception", device="cpu")
    with pytest.raises(WeightsUnavailableError, match="not found"):
        build_extractor("resnet50", weights=tmp_path / "missing.pth", device="cpu")
    with pytest.raises(ValueError, match="takes no weights"):
        build_extractor("randfeat", weights=tmp_path / "x.pth", device="cpu")
    with pytest.raises(KeyError, match="unknown feature extractor"):
        build_extractor("vgg", device="cpu")


def test_preprocessing_is_pil_bicubic_on_float() -> None:
    image = natural_patches(1, size=50, rng=np.random.default_rng(2))[0]
    ours = prepare_image(image, 20)
    channel = Image.fromarray(image[:, :, 1].astype(np.float32)).resize((20, 20),
                                                                         Image.Resampling.BICUBIC)
    np.testing.assert_array_equal(ours[1], np.asarray(channel) / np.float32(255.0))
    assert ours.dtype == np.float32 and ours.shape == (3, 20, 20)


def test_gray_is_replicated_and_matching_size_is_untouched() -> None:
    gray = np.arange(64, dtype=np.uint8).reshape(8, 8, 1)
    batch = prepare_batch([gray, np.repeat(gray, 3, axis=2)], 8)
    np.testing.assert_array_equal(batch[0], batch[1])
    np.testing.assert_array_equal(batch[0, 0] * 255.0, gray[:, :, 0].astype(np.float32))
