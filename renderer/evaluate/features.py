"""Feature extractors behind a small registry, and the batched extraction loop.

Registered extractors (``EvalConfig.extractor``):

- ``randfeat`` (default): weight-free, deterministic, always available offline
  (:mod:`renderer.evaluate.randfeat`).
- ``inception``: torchvision Inception-v3, pool3 (2048-d), 299 px input.
- ``resnet50``: torchvision ResNet-50, global average pool (2048-d), 224 px input.

The pretrained ones run only with weights already on this machine: an explicit ``weights`` file, or
torchvision's file name in the torch hub cache (``$TORCH_HOME/hub/checkpoints``, by default
``~/.cache/torch/hub/checkpoints``). Nothing is ever downloaded. Weights load with
``torch.load(..., weights_only=True)`` (no pickled code runs). Note that the FID reported in papers
uses the TensorFlow Inception graph ported by pytorch-fid / clean-fid, not torchvision's weights:
numbers from different extractors (or weights) are not comparable with each other.

YAML (the ``synth eval`` configuration)::

    extractor: inception
    weights: models/inception_v3_google-0cc3c7bd.pth   # optional; else the torch hub cache
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torchvision

from renderer.evaluate.preprocess import describe, prepare_batch
from renderer.evaluate.randfeat import RandomFeatures
from renderer.registry import Registry

log = logging.getLogger(__name__)

COMPARABILITY_WARNING = (
    "distances computed with different feature extractors (or weights, or preprocessing) are not "
    "comparable; compare reports only when their 'features' sections match"
)

# torchvision's own file names, as its weight enums download them into the hub cache
HUB_FILES = {
    "inception": ("inception_v3_google-0cc3c7bd.pth",),
    "resnet50": ("resnet50-11ad3fa6.pth", "resnet50-0676ba61.pth"),
}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class WeightsUnavailableError(ValueError):
    """A pretrained extractor was asked for but its weights are not on this machine."""


@dataclass
class Extractor:
    """A ready feature extractor: ``network`` maps (N, 3, S, S) floats in [0, 1] to (N, dim)."""

    name: str
    network: torch.nn.Module
    input_size: int
    dim: int
    weights: str | None  # file name + sha256 of the weights, None for weight-free extractors
    description: str
    device: torch.device

    def info(self) -> dict[str, object]:
        """JSON-able record of what produced the features (stored in every result)."""
        return {"extractor": self.name, "dim": self.dim, "weights": self.weights,
                "description": self.description, "preprocessing": describe(self.input_size),
                "warning": COMPARABILITY_WARNING}


Builder = Callable[[Path | None, torch.device], Extractor]
EXTRACTORS: Registry[Builder] = Registry("feature extractor")


def resolve_device(device: str | None) -> torch.device:
    """``None``/``"auto"``: the first CUDA device when present, else the CPU; else ``device``."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def find_weights(name: str, weights: Path | None) -> Path:
    """Locate the weights of pretrained extractor ``name`` without any network access.

    Raises:
        WeightsUnavailableError: no such file; the message says where it looked and what to do.
    """
    if weights is not None:
        if Path(weights).is_file():
            return Path(weights)
        raise WeightsUnavailableError(f"{name} weights file not found: {weights}")
    hub = Path(torch.hub.get_dir()) / "checkpoints"
    for file_name in HUB_FILES[name]:
        if (hub / file_name).is_file():
            return hub / file_name
    looked = ", ".join(str(hub / f) for f in HUB_FILES[name])
    raise WeightsUnavailableError(
        f"no local weights for the {name!r} extractor (looked for {looked}; nothing is downloaded):"
        " pass a weights file, set TORCH_HOME, or use the weight-free 'randfeat' extractor")


def load_state(path: Path) -> tuple[dict[str, torch.Tensor], str]:
    """Load a state_dict safely (``weights_only=True``); also return ``"name sha256:..."``."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise WeightsUnavailableError(f"{path.name}: expected a state_dict, got {type(state)}")
    return state, f"{path.name} sha256:{digest}"


class _Normalised(torch.nn.Module):
    """Wraps a backbone: affine input normalisation, then the network, flattened."""

    def __init__(self, backbone: torch.nn.Module, mean: tuple, std: tuple) -> None:
        super().__init__()
        self.backbone = backbone
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone((x - self.mean) / self.std).flatten(1)


def _pretrained(name: str, factory: Callable[[], torch.nn.Module], weights: Path | None,
                device: torch.device) -> tuple[torch.nn.Module, str]:
    """Build ``factory()`` without touching torch's global RNG, load its weights, drop the head."""
    path = find_weights(name, weights)
    state, tag = load_state(path)
    with torch.device("meta"):  # meta tensors: no random initialisation to consume global RNG
        model = factory()
    model.to_empty(device="cpu")
    model.load_state_dict(state, strict=True)
    model.fc = torch.nn.Identity()  # keep pool3 / avgpool
    return model.eval().to(device), tag


@EXTRACTORS.register("inception")
def build_inception(weights: Path | None, device: torch.device) -> Extractor:
    """Inception-v3 pool3 (2048-d) with torchvision's Google weights; input mapped to [-1, 1]."""

    def factory() -> torch.nn.Module:
        return torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=False)

    model, tag = _pretrained("inception", factory, weights, device)
    # the Google weights expect (x - 0.5) / 0.5; transform_input stays off
    net = _Normalised(model, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)).to(device).eval()
    return Extractor("inception", net, 299, 2048, tag, "torchvision Inception-v3, pool3 (2048-d)",
                     device)


@EXTRACTORS.register("resnet50")
def build_resnet50(weights: Path | None, device: torch.device) -> Extractor:
    """ResNet-50 global average pool (2048-d), ImageNet normalisation, 224 px."""
    model, tag = _pretrained("resnet50", lambda: torchvision.models.resnet50(weights=None),
                             weights, device)
    net = _Normalised(model, IMAGENET_MEAN, IMAGENET_STD).to(device).eval()
    return Extractor("resnet50", net, 224, 2048, tag, "torchvision ResNet-50, avgpool (2048-d)",
                     device)


@EXTRACTORS.register("randfeat")
def build_randfeat(weights: Path | None, device: torch.device) -> Extractor:
    """The weight-free extractor; ``weights`` must be None."""
    if weights is not None:
        raise ValueError("the 'randfeat' extractor takes no weights file")
    net = RandomFeatures().to(device).eval()
    return Extractor("randfeat", net, net.input_size, net.dim, None, RandomFeatures.DESCRIPTION,
                     device)


def build_extractor(name: str, *, weights: Path | None = None,
                    device: str | None = None) -> Extractor:
    """Return the registered extractor ``name`` on ``device`` (``None``: GPU when present)."""
    return EXTRACTORS.get(name)(weights, resolve_device(device))


def extract_features(extractor: Extractor, images: list[np.ndarray], *,
                     batch_size: int = 256) -> np.ndarray:
    """Return (N, dim) float64 features of ``images``, preprocessed and run batch by batch.

    Batching bounds memory: 10,000 images at 299 px would be 10.7 GB as one float32 tensor.
    """
    out = np.empty((len(images), extractor.dim), dtype=np.float64)
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            batch = prepare_batch(images[start:start + batch_size], extractor.input_size)
            features = extractor.network(torch.from_numpy(batch).to(extractor.device))
            out[start:start + len(batch)] = features.double().cpu().numpy()
    log.info("features: %d images -> %s (%d-d)", len(images), extractor.name, extractor.dim)
    return out
