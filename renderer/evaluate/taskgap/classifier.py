"""The small image classifier of the task-gap test: build, train and predict, seeded locally.

Nothing here touches torch's global RNG: modules are created on the ``meta`` device (no default
initialisation runs) and then initialised from a local ``torch.Generator``; minibatch order comes
from the caller's ``numpy.random.Generator``; there is no dropout. Training runs with
``torch.use_deterministic_algorithms(True)`` (restored afterwards), so on one machine and thread
count the same inputs train the same weights.

Models: ``small`` (3 stride-2 conv blocks of 16-32-64 channels with BatchNorm, then a linear layer
on the 4x4 map; ~34k parameters; an epoch of 10,000 images at 32 px takes seconds on one CPU
core) and ``resnet18`` (torchvision, CIFAR-style 3x3 stem without max-pool; much slower, for GPUs).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator

import numpy as np
import torch
import torchvision

INPUT_MEAN, INPUT_STD = 0.5, 0.25  # fixed input scaling of images in [0, 1]


def _block(c_in: int, c_out: int) -> list[torch.nn.Module]:
    # stride-2 convolutions instead of conv + max-pool: 3x faster on CPU at a similar accuracy
    return [torch.nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False),
            torch.nn.BatchNorm2d(c_out), torch.nn.ReLU(inplace=True)]


def _architecture(name: str, n_classes: int) -> torch.nn.Module:
    if name == "small":
        return torch.nn.Sequential(*_block(3, 16), *_block(16, 32), *_block(32, 64),
                                   torch.nn.AdaptiveAvgPool2d(4), torch.nn.Flatten(),
                                   torch.nn.Linear(64 * 16, n_classes))
    if name == "resnet18":
        model = torchvision.models.resnet18(weights=None, num_classes=n_classes)
        model.conv1 = torch.nn.Conv2d(3, 64, 3, padding=1, bias=False)
        model.maxpool = torch.nn.Identity()
        return model
    raise ValueError(f"unknown task model {name!r} (known: small, resnet18)")


def build_model(name: str, n_classes: int, *, seed: int, device: torch.device) -> torch.nn.Module:
    """Model ``name`` with ``n_classes`` outputs, initialised from a local generator (``seed``)
    by :func:`initialise`."""
    with torch.device("meta"):
        model = _architecture(name, n_classes)
    return initialise(model, seed=seed).to(device)


def initialise(model: torch.nn.Module, *, seed: int) -> torch.nn.Module:
    """Materialise a ``meta``-device ``model`` on the CPU and initialise it from ``seed``.

    Convolutions and linear layers get PyTorch's default Kaiming-uniform weights (a=sqrt(5));
    BatchNorm starts at identity. Returns ``model``.
    """
    model.to_empty(device="cpu")
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d | torch.nn.Linear):
            torch.nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
            if module.bias is not None:
                bound = 1.0 / math.sqrt(module.weight[0].numel())
                torch.nn.init.uniform_(module.bias, -bound, bound, generator=generator)
        elif isinstance(module, torch.nn.BatchNorm2d):
            module.reset_parameters()  # ones/zeros and fresh running statistics: no randomness
    return model


@contextlib.contextmanager
def deterministic_torch() -> Iterator[None]:
    """Run the block with deterministic algorithms on, restoring the previous setting after."""
    previous = torch.are_deterministic_algorithms_enabled()
    # cuBLAS needs this workspace setting to be deterministic; it only matters on GPUs
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)


def _normalise(batch: np.ndarray, device: torch.device) -> torch.Tensor:
    return (torch.from_numpy(batch).to(device) - INPUT_MEAN) / INPUT_STD


def train(model: torch.nn.Module, images: np.ndarray, labels: np.ndarray, *,
          rng: np.random.Generator, epochs: int, max_steps: int | None = None,
          batch_size: int = 128, lr: float = 2e-3) -> dict[str, float]:
    """Train ``model`` on (N, 3, S, S) float images in [0, 1] with Adam and cross-entropy.

    Args:
        model: from :func:`build_model`.
        images: preprocessed training images.
        labels: (N,) class indices.
        rng: orders the minibatches.
        epochs: passes over the data.
        max_steps: stop after this many optimiser steps (None: no limit).
        batch_size: images per step.
        lr: Adam learning rate, decayed by a cosine schedule to 0.

    Returns:
        ``{"steps", "final_loss"}`` (loss: mean of the last epoch's batches).
    """
    device = next(model.parameters()).device
    steps_per_epoch = math.ceil(len(images) / batch_size)
    total = epochs * steps_per_epoch if max_steps is None else min(max_steps,
                                                                    epochs * steps_per_epoch)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: 0.5 * (1.0 + math.cos(math.pi * step / max(total, 1))))
    target = torch.from_numpy(labels.astype(np.int64)).to(device)
    model.train()
    step, losses = 0, [0.0]
    with deterministic_torch():
        while step < total:
            losses = []
            order = rng.permutation(len(images))
            for start in range(0, len(images), batch_size):
                if step >= total:
                    break
                batch = order[start:start + batch_size]
                loss = torch.nn.functional.cross_entropy(
                    model(_normalise(images[batch], device)), target[batch])
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
                schedule.step()
                losses.append(loss.item())
                step += 1
    return {"steps": step, "final_loss": float(np.mean(losses)) if losses else math.nan}


def predict(model: torch.nn.Module, images: np.ndarray, *, batch_size: int = 512) -> np.ndarray:
    """Predicted class index of each of the (N, 3, S, S) images."""
    device = next(model.parameters()).device
    model.eval()
    out = np.empty(len(images), dtype=np.int64)
    with torch.inference_mode(), deterministic_torch():
        for start in range(0, len(images), batch_size):
            logits = model(_normalise(images[start:start + batch_size], device))
            out[start:start + len(logits)] = logits.argmax(dim=1).cpu().numpy()
    return out
