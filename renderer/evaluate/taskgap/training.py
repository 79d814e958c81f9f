"""Train a detector on a :class:`~renderer.evaluate.taskgap.sources.TrainingSource`; detect on photos.

Training: random crops (:func:`~renderer.evaluate.taskgap.sources.random_crop`) of
``image_size`` px, AdamW with a linear warm-up and cosine decay, gradient norm clipped at 10.
Progress (loss, images/s, ETA) goes to a callback every second, by default
:class:`LogProgress` (a log line every 15 s). Ctrl-C stops
training cleanly: the model as trained so far is kept (``interrupted`` in the history), so a
run can still be scored; a second Ctrl-C ends the program.

Inference runs on whole images at each of ``scales`` (1.0 = full resolution) and merges the
scales with per-class NMS (``torchvision.ops.batched_nms``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torchvision

from renderer.evaluate.features import resolve_device
from renderer.evaluate.taskgap.classifier import deterministic_torch
from renderer.evaluate.taskgap.detectors import Detector, build_detector
from renderer.evaluate.taskgap.options import DetectionConfig
from renderer.evaluate.taskgap.sources import Annotated, TrainingSource, random_crop

log = logging.getLogger(__name__)
MERGE_IOU = 0.6  # detections of one class from different scales overlapping more are one object
PROGRESS_EVERY_S = 1.0  # callbacks decide themselves how often to show it


@dataclass(frozen=True)
class TrainingProgress:
    """One progress report: ``step`` of ``total``, mean ``loss`` of recent steps, speed, ETA."""

    step: int
    total: int
    loss: float
    images_per_s: float
    eta_s: float


ProgressCallback = Callable[[TrainingProgress], None]


class LogProgress:
    """Progress callback writing a log line (INFO) every ``every_s`` seconds and at the end."""

    def __init__(self, every_s: float = 15.0) -> None:
        self.every_s, self.last = every_s, -math.inf

    def __call__(self, p: TrainingProgress) -> None:
        now = time.monotonic()
        if now - self.last >= self.every_s or p.step == p.total:
            log.info("detector: step %d/%d, loss %.3f, %.1f images/s, ETA %.0f s", p.step,
                     p.total, p.loss, p.images_per_s, p.eta_s)
            self.last = now


log_progress = LogProgress()


def total_steps(n_images: int, config: DetectionConfig) -> int:
    """Optimiser steps of one training: ``steps``, else ``epochs`` passes but >= ``min_steps``."""
    if config.steps is not None:
        return config.steps
    return max(config.epochs * math.ceil(n_images / config.batch_size), config.min_steps)


def _batch(samples: list[Annotated], config: DetectionConfig, device: torch.device, *,
           rng: np.random.Generator) -> tuple[torch.Tensor, list[tuple[torch.Tensor, ...]]]:
    crops = [random_crop(s, config.image_size, rng=rng, scale_range=config.scale_range)
             for s in samples]
    images = torch.from_numpy(np.stack([c.image for c in crops])).permute(0, 3, 1, 2)
    targets = [(torch.from_numpy(c.boxes), torch.from_numpy(c.classes)) for c in crops]
    return images.to(device).float().div_(255.0), targets


def _batches(source: TrainingSource, batch_size: int, *,
             rng: np.random.Generator) -> object:
    epoch = 0
    while True:
        pending: list[Annotated] = []
        for sample in source.epoch(epoch, rng=rng):
            pending.append(sample)
            if len(pending) == batch_size:
                yield pending
                pending = []
        if pending:
            yield pending
        epoch += 1


def train_detector(source: TrainingSource, n_classes: int, config: DetectionConfig, *,
                   rng: np.random.Generator,
                   progress: ProgressCallback | None = log_progress) -> tuple[Detector, dict]:
    """Train ``config.model`` from scratch (or from ``config.weights``) on ``source``.

    Args:
        source: annotated training images, classes in ``0..n_classes-1``.
        n_classes: number of classes.
        config: model and training settings.
        rng: seeds the model and draws the crops and the order of in-memory images.
        progress: called every few seconds and at the end (None: silent).

    Returns:
        The trained detector (eval mode) and its history: ``steps``, ``final_loss``,
        ``images``, ``seconds``, ``images_per_s``, ``interrupted``.
    """
    device = resolve_device(config.device)
    detector = build_detector(config.model, n_classes, seed=int(rng.integers(2**31 - 1)),
                              device=device, weights=config.weights,
                              crops=config.crop_stage)
    total = total_steps(len(source), config)
    optimiser = torch.optim.AdamW(detector.model.parameters(), lr=config.lr, weight_decay=1e-4)
    warmup = max(20, total // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / warmup)
                                                 * 0.5 * (1 + math.cos(math.pi * s / total)))
    detector.model.train()
    step, seen, recent, interrupted = 0, 0, [], False
    start = last_report = time.perf_counter()
    batches = _batches(source, config.batch_size, rng=rng)
    with deterministic_torch():
        try:
            while step < total:
                images, targets = _batch(next(batches), config, device, rng=rng)  # type: ignore[call-overload]
                with detector.random_state():
                    losses = detector.loss(images, targets)
                    loss = sum(losses.values())
                    optimiser.zero_grad(set_to_none=True)
                    loss.backward()  # type: ignore[union-attr]
                torch.nn.utils.clip_grad_norm_(detector.model.parameters(), 10.0)
                optimiser.step()
                schedule.step()
                step, seen = step + 1, seen + len(images)
                recent = ([*recent, float(loss.detach())])[-50:]  # type: ignore[union-attr]
                now = time.perf_counter()
                if progress is not None and (now - last_report >= PROGRESS_EVERY_S or step == total):
                    speed = seen / max(now - start, 1e-9)
                    progress(TrainingProgress(step, total, float(np.mean(recent)), speed,
                                              (total - step) * len(images) / max(speed, 1e-9)))
                    last_report = now
        except KeyboardInterrupt:
            interrupted = True
            log.warning("detector: training stopped at step %d of %d (Ctrl-C); scoring the model "
                        "as trained so far", step, total)
    seconds = time.perf_counter() - start
    detector.model.eval()
    return detector, {"steps": step, "planned_steps": total, "images": seen,
                      "final_loss": float(np.mean(recent)) if recent else math.nan,
                      "seconds": seconds, "images_per_s": seen / max(seconds, 1e-9),
                      "interrupted": interrupted, "model": config.model}


def _as_tensor(image: np.ndarray, scale: float, device: torch.device) -> torch.Tensor:
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    if scale != 1.0:
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1
                           else cv2.INTER_LINEAR).reshape(size[1], size[0], 3)
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).to(device).float() / 255


def detect_images(detector: Detector, images: list[np.ndarray], *,
                  scales: tuple[float, ...] = (1.0,),
                  max_detections: int = 100) -> list[dict[str, np.ndarray]]:
    """Detections on each whole image: ``boxes`` (k, 4) XYXY px of the image, ``scores``,
    ``labels`` (0-based), best first, at most ``max_detections``."""
    detector.model.eval()
    out = []
    with torch.inference_mode(), deterministic_torch():
        for image in images:
            parts = []
            for scale in scales:
                found = detector.detect(_as_tensor(image, scale, detector.device), max_detections)
                parts.append({**found, "boxes": found["boxes"] / scale})
            boxes, scores, labels = (torch.cat([p[k] for p in parts])
                                     for k in ("boxes", "scores", "labels"))
            if len(scales) > 1:
                keep = torchvision.ops.batched_nms(boxes, scores, labels, MERGE_IOU)
            else:
                keep = scores.argsort(descending=True)
            keep = keep[:max_detections]
            out.append({"boxes": boxes[keep].cpu().numpy().astype(np.float32),
                        "scores": scores[keep].cpu().numpy().astype(np.float32),
                        "labels": labels[keep].cpu().numpy().astype(np.int64)})
    return out
