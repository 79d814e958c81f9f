"""Detector models of the detection task gap behind one interface: loss on a batch, boxes on a photo.

``centernet`` (default, :mod:`~renderer.evaluate.taskgap.centernet`) trains from scratch on a CPU
in minutes. torchvision's detectors are selectable by name (``fcos_resnet50_fpn``,
``retinanet_resnet50_fpn``, ``ssdlite320_mobilenet_v3_large``,
``fasterrcnn_mobilenet_v3_large_320_fpn``, ...), always with ``weights=None``; from scratch on a
CPU they are 10-100x slower per image (measured: SSDlite 8 img/s, Faster R-CNN MobileNet 0.9,
FCOS ResNet-50 0.7 at 320 px on one core), so they are for GPUs.

torchvision builds and trains its models with torch's global generator (initialisation, RPN
sampling); that happens inside ``torch.random.fork_rng`` seeded from the caller's seed, so the
global state is untouched and runs repeat.

YAML (``--task 'detection: {model: centernet}'``)::

    detection: {model: fcos_resnet50_fpn, image_size: 512, steps: 3000}
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torchvision

from renderer.evaluate.taskgap import crop_stage
from renderer.evaluate.taskgap.centernet import (
    CenterNet,
    build_centernet,
    centernet_loss,
    decode,
    encode_targets,
    find_peaks,
    name_peaks,
)
from renderer.usage_error import UsageError

INPUT_MEAN, INPUT_STD = 0.45, 0.25  # fixed input scaling of images in [0, 1]
Targets = list[tuple[torch.Tensor, torch.Tensor]]  # per image: boxes (k, 4) XYXY px, classes (k,)


class Detector:
    """A detection model with its class count and device (subclasses: the two model families)."""

    def __init__(self, model: torch.nn.Module, n_classes: int, device: torch.device) -> None:
        self.model = model.to(device)
        self.n_classes = n_classes
        self.device = device

    @contextlib.contextmanager
    def random_state(self) -> Iterator[None]:
        """Context in which training steps run (torchvision models: a forked, seeded RNG)."""
        yield

    def loss(self, images: torch.Tensor, targets: Targets) -> dict[str, torch.Tensor]:
        """Loss terms of a (N, 3, S, S) batch in [0, 1] on this device."""
        raise NotImplementedError

    def detect(self, image: torch.Tensor, max_detections: int) -> dict[str, torch.Tensor]:
        """``boxes`` (XYXY px), ``scores``, ``labels`` (0-based) on one (3, H, W) image."""
        raise NotImplementedError


class CenterNetDetector(Detector):
    """:mod:`~renderer.evaluate.taskgap.centernet` behind the :class:`Detector` interface, with
    its crop stage (:mod:`~renderer.evaluate.taskgap.crop_stage`) when the model has one."""

    model: CenterNet
    MIN_PEAK = 0.01  # objectness below which a peak is not a candidate

    def __init__(self, model: CenterNet, n_classes: int, device: torch.device, seed: int) -> None:
        super().__init__(model, n_classes, device)
        self.generator = torch.Generator().manual_seed(seed)  # the crop stage's sampling

    def loss(self, images: torch.Tensor, targets: Targets) -> dict[str, torch.Tensor]:
        size = (images.shape[2], images.shape[3])
        encoded = [encode_targets(b.numpy(), c.numpy(), size) for b, c in targets]
        parts = [torch.from_numpy(np.stack(part)).to(self.device)
                 for part in zip(*encoded, strict=True)]
        normalised = (images - INPUT_MEAN) / INPUT_STD
        output = self.model(normalised)
        losses = centernet_loss(output, *parts)
        if self.model.crop_head is not None:
            peaks = find_peaks(output.detach(), top_k=crop_stage.PEAKS, min_score=0.0)
            sampled = [crop_stage.training_crops(truth, found[0].cpu(), float(max(size)),
                                                 self.n_classes, self.generator)
                       for truth, found in zip(targets, peaks, strict=True)]
            patches = crop_stage.cut(normalised, [b.to(self.device) for b, _ in sampled])
            labels = torch.cat([c for _, c in sampled]).to(self.device)
            losses["crop_class"] = torch.nn.functional.cross_entropy(
                self.model.crop_head(patches), labels)
        return losses

    def detect(self, image: torch.Tensor, max_detections: int) -> dict[str, torch.Tensor]:
        normalised = ((image - INPUT_MEAN) / INPUT_STD)[None]
        output = self.model(normalised)
        if self.model.crop_head is None:
            return decode(output, top_k=max_detections, min_score=self.MIN_PEAK)[0]
        boxes, objectness, _ = find_peaks(output, top_k=max_detections,
                                          min_score=self.MIN_PEAK)[0]
        logits = self.model.crop_head(crop_stage.cut(normalised, [boxes]))
        probs = torch.softmax(logits, 1)[:, :self.n_classes]
        return name_peaks(boxes, objectness, probs.T, max_detections)


class TorchvisionDetector(Detector):
    """A torchvision detection model; class k is its label k + 1 (0 is background)."""

    def __init__(self, model: torch.nn.Module, n_classes: int, device: torch.device,
                 seed: int) -> None:
        super().__init__(model, n_classes, device)
        self.generator_seed = seed

    @contextlib.contextmanager
    def random_state(self) -> Iterator[None]:
        devices = [self.device] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self.generator_seed)
            self.generator_seed += 1
            yield

    def _sizes(self, height: int, width: int) -> None:
        transform = self.model.transform  # resize to the given size exactly: no rescaling
        transform.min_size, transform.max_size = (min(height, width),), max(height, width)

    def loss(self, images: torch.Tensor, targets: Targets) -> dict[str, torch.Tensor]:
        self._sizes(images.shape[2], images.shape[3])
        tv_targets = [{"boxes": b.to(self.device), "labels": c.to(self.device) + 1}
                      for b, c in targets]
        return self.model(list(images), tv_targets)

    def detect(self, image: torch.Tensor, max_detections: int) -> dict[str, torch.Tensor]:
        self._sizes(image.shape[1], image.shape[2])
        out = self.model([image])[0]
        keep = out["scores"].argsort(descending=True)[:max_detections]
        return {"boxes": out["boxes"][keep], "scores": out["scores"][keep],
                "labels": out["labels"][keep] - 1}


def torchvision_names() -> list[str]:
    """Names of torchvision's detection model builders."""
    return sorted(torchvision.models.list_models(module=torchvision.models.detection))


def load_backbone_weights(model: torch.nn.Module, weights: Path) -> None:
    """Load a user's backbone weights (``weights_only=True``) into ``model.backbone``.

    Raises:
        UsageError: the file cannot be read or none of its tensors fits the backbone.
    """
    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError) as exc:
        raise UsageError(f"--weights {weights}: cannot load: {exc}") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    backbone = model.backbone
    own = backbone.state_dict()
    usable = {k.removeprefix("backbone."): v for k, v in state.items()}
    usable = {k: v for k, v in usable.items() if k in own and own[k].shape == v.shape}
    if not usable:
        raise UsageError(f"--weights {weights}: no tensor matches the detector's backbone "
                         f"(expected keys like {next(iter(own))!r})")
    backbone.load_state_dict(usable, strict=False)


def build_detector(name: str, n_classes: int, *, seed: int, device: torch.device,
                   weights: Path | None = None, crops: bool = True) -> Detector:
    """Detector ``name`` for ``n_classes`` classes, initialised from ``seed``; ``crops``: the
    centernet's second stage (torchvision's detectors name their boxes themselves).

    Raises:
        UsageError: unknown model name or unusable ``weights``.
    """
    if name == "centernet":
        centernet = build_centernet(n_classes, seed=seed, crops=crops)
        detector: Detector = CenterNetDetector(centernet, n_classes, device, seed)
    elif name in torchvision_names():
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            model = torchvision.models.get_model(name, weights=None, weights_backbone=None,
                                                 num_classes=n_classes + 1)
        detector = TorchvisionDetector(model, n_classes, device, seed)
    else:
        raise UsageError(f"unknown detection model {name!r} (known: centernet, "
                         f"{', '.join(torchvision_names())})")
    if weights is not None:
        load_backbone_weights(detector.model, weights)
        detector.model.to(device)
    return detector
