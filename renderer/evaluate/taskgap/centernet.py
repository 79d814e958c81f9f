"""``centernet``: the default detector, a compact anchor-free one-stage network (CenterNet-style).

Every object is a peak on a class-agnostic objectness heatmap at stride 4; its class comes from
softmax class logits at the peak, its box size and the sub-cell offset of its centre are
regressed there. The backbone is a plain stack of stride-2 3x3 convolutions (16-32-64-96-128
channels, BatchNorm, ReLU) with a top-down feature pyramid merged back to stride 4; the heads
share one 3x3 convolution. About 0.5 M parameters: it trains from scratch on a CPU in minutes,
and being fully convolutional it runs on whole photos of any size.

Targets: an elliptical Gaussian per object on the objectness map (sigma = box side / 6 /
stride, as TTFNet), the object's class on the cells near its centre, log box size in stride
units and the centre offset at the centre cell. Losses: the penalty-reduced focal loss of
CenterNet on objectness (alpha 2, beta 4), cross-entropy of the class weighted by the Gaussian,
L1 on log size and offset. Finding objects and naming them are learnt apart: from scratch the
class-agnostic map learns fast, and cross-entropy teaches classes faster than per-class focal
heatmaps did in our trials.

Upsampling is nearest-neighbour written as a broadcast (its backward is a plain sum), so training
is deterministic on GPUs too with ``torch.use_deterministic_algorithms``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch
from torch import nn

from renderer.evaluate.taskgap.classifier import initialise
from renderer.evaluate.taskgap.crop_stage import CropClassifier

STRIDE = 4
WIDTHS = (16, 32, 64, 96, 128)  # stem (stride 2), then strides 4, 8, 16, 32
NECK = 48
PRIOR = 0.01  # initial objectness: the focal loss starts near its background optimum
CLASS_MIN = 0.3  # cells whose object Gaussian reaches this learn the object's class
CLASSES_PER_PEAK = 2


def _conv(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def upsample2(x: torch.Tensor) -> torch.Tensor:
    """Nearest-neighbour x2 upsampling whose backward is deterministic on every device."""
    n, c, h, w = x.shape
    return x[:, :, :, None, :, None].expand(n, c, h, 2, w, 2).reshape(n, c, 2 * h, 2 * w)


class Backbone(nn.Module):
    """Stride-2 convolution stages; returns the feature maps at strides 4, 8, 16, 32."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = _conv(3, WIDTHS[0], 2)
        self.stages = nn.ModuleList(
            nn.Sequential(_conv(c_in, c_out, 2), _conv(c_out, c_out))
            for c_in, c_out in itertools.pairwise(WIDTHS))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = self.stem(x)
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        return features


class CenterNet(nn.Module):
    """Backbone + top-down pyramid + heatmap / size / offset heads at stride 4, and (``crops``)
    the second stage that names each peak from a full-resolution patch
    (:class:`~renderer.evaluate.taskgap.crop_stage.CropClassifier`, not run by ``forward``)."""

    def __init__(self, n_classes: int, *, crops: bool = True) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.crop_head = CropClassifier(n_classes) if crops else None
        self.backbone = Backbone()
        self.lateral = nn.ModuleList(nn.Conv2d(c, NECK, 1) for c in WIDTHS[1:])
        self.smooth = _conv(NECK, NECK)
        self.head = nn.Sequential(nn.Conv2d(NECK, NECK, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(NECK, 1 + n_classes + 4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) normalised images -> (N, 1 + C + 4, ceil(H/4), ceil(W/4)) raw outputs:
        objectness logit, class logits, log width and height (stride units), centre offset."""
        features = self.backbone(x)
        merged = self.lateral[-1](features[-1])
        for lateral, feature in zip(self.lateral[-2::-1], features[-2::-1], strict=True):
            up = upsample2(merged)[:, :, :feature.shape[2], :feature.shape[3]]
            merged = lateral(feature) + up
        return self.head(self.smooth(merged))


def build_centernet(n_classes: int, *, seed: int, crops: bool = True) -> CenterNet:
    """A :class:`CenterNet` initialised from ``seed`` (no global RNG), heatmap bias at PRIOR."""
    with torch.device("meta"):
        model = CenterNet(n_classes, crops=crops)
    initialise(model, seed=seed)
    last = model.head[-1]
    with torch.no_grad():
        last.bias.zero_()
        last.bias[0] = -math.log((1 - PRIOR) / PRIOR)
    return model


Targets = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def encode_targets(boxes: np.ndarray, classes: np.ndarray, size: tuple[int, int]) -> Targets:
    """Training targets of one image of ``size`` (height, width) pixels.

    Returns:
        objectness heatmap (1, h, w) float32; class target (h, w) int64 (-1: none) with its
        weight (h, w) float32 (the object's Gaussian, cells >= CLASS_MIN); regression (4, h, w)
        float32 (log w, log h, dx, dy); (h, w) float32 mask of the object-centre cells.
    """
    h, w = math.ceil(size[0] / STRIDE), math.ceil(size[1] / STRIDE)
    heat = np.zeros((1, h, w), np.float32)
    target = np.full((h, w), -1, np.int64)
    weight = np.zeros((h, w), np.float32)
    reg = np.zeros((4, h, w), np.float32)
    mask = np.zeros((h, w), np.float32)
    ys, xs = np.arange(h, dtype=np.float32)[:, None], np.arange(w, dtype=np.float32)[None, :]
    # large objects first, so a small one's targets win the cells they share
    for k in np.argsort(-(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])):
        x1, y1, x2, y2 = boxes[k] / STRIDE
        bw, bh = max(x2 - x1, 1e-3), max(y2 - y1, 1e-3)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        ix, iy = min(int(cx), w - 1), min(int(cy), h - 1)
        sx, sy = max(bw / 6, 0.5), max(bh / 6, 0.5)
        gauss = np.exp(-((xs - ix) ** 2 / (2 * sx * sx) + (ys - iy) ** 2 / (2 * sy * sy)))
        np.maximum(heat[0], gauss, out=heat[0])
        near = gauss >= CLASS_MIN
        target[near], weight[near] = classes[k], gauss[near]
        reg[:, iy, ix] = (math.log(bw), math.log(bh), cx - ix, cy - iy)
        mask[iy, ix] = 1.0
    return heat, target, weight, reg, mask


def centernet_loss(output: torch.Tensor, heat: torch.Tensor, target: torch.Tensor,
                   weight: torch.Tensor, reg: torch.Tensor,
                   mask: torch.Tensor) -> dict[str, torch.Tensor]:
    """Focal objectness loss, weighted cross-entropy of the class near object centres, L1 size
    and offset losses (batched targets of :func:`encode_targets`)."""
    prob = torch.sigmoid(output[:, :1]).clamp(1e-4, 1 - 1e-4)
    positive = heat.eq(1.0).float()
    n_objects = positive.sum().clamp(min=1.0)
    pos_loss = torch.log(prob) * (1 - prob) ** 2 * positive
    neg_loss = torch.log(1 - prob) * prob ** 2 * (1 - heat) ** 4 * (1 - positive)
    focal = -(pos_loss.sum() + neg_loss.sum()) / n_objects
    n_classes = output.shape[1] - 5
    ce = torch.nn.functional.cross_entropy(output[:, 1:1 + n_classes], target, ignore_index=-1,
                                           reduction="none")
    classification = (ce * weight).sum() / weight.sum().clamp(min=1.0)
    m = mask[:, None]
    n_centres = mask.sum().clamp(min=1.0)
    l1 = (output[:, 1 + n_classes:] - reg).abs() * m
    return {"objectness": focal, "class": classification,
            "size": 0.5 * l1[:, :2].sum() / n_centres, "offset": l1[:, 2:].sum() / n_centres}


def find_peaks(output: torch.Tensor, *, top_k: int, min_score: float
               ) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Objectness peaks (3x3 local maxima) of each image, at most ``top_k`` of at least
    ``min_score``, best first: ``(boxes (k, 4) XYXY input px, objectness (k,), cells (k,))``
    (cells index the flattened stride-4 map)."""
    n_classes = output.shape[1] - 5
    objectness = torch.sigmoid(output[:, 0])
    peaks = objectness * (torch.nn.functional.max_pool2d(
        objectness[:, None], 3, stride=1, padding=1)[:, 0] == objectness)
    n, h, w = objectness.shape
    found = []
    for b in range(n):
        obj, cell = peaks[b].reshape(-1).topk(min(top_k, h * w))
        keep = obj >= min_score
        obj, cell = obj[keep], cell[keep]
        ys, xs = cell // w, cell % w
        reg = output[b, 1 + n_classes:].reshape(4, -1)[:, cell]
        cx, cy = xs.float() + reg[2], ys.float() + reg[3]
        bw, bh = reg[0].clamp(max=8).exp(), reg[1].clamp(max=8).exp()
        boxes = torch.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], 1) * STRIDE
        found.append((boxes, obj, cell))
    return found


def name_peaks(boxes: torch.Tensor, objectness: torch.Tensor, probs: torch.Tensor,
               top_k: int) -> dict[str, torch.Tensor]:
    """Detections of one image's peaks given class probabilities ``probs`` (classes, k): each
    peak with its ``CLASSES_PER_PEAK`` most likely classes (so a confusion costs less than a
    miss in AP), scored objectness x probability, best first, at most ``top_k``."""
    per_peak = min(CLASSES_PER_PEAK, probs.shape[0])
    top_p, top_c = probs.topk(per_peak, dim=0)  # (per_peak, peaks)
    scores = (objectness[None] * top_p).reshape(-1)
    order = scores.argsort(descending=True)[:top_k]
    return {"boxes": boxes.repeat(per_peak, 1)[order], "scores": scores[order],
            "labels": top_c.reshape(-1)[order]}


def decode(output: torch.Tensor, *, top_k: int = 100,
           min_score: float = 0.01) -> list[dict[str, torch.Tensor]]:
    """Objectness peaks of each image as boxes in input pixels, named by the dense class logits
    at the peak (:func:`name_peaks`): ``boxes`` XYXY, ``scores``, ``labels`` (0-based)."""
    n_classes = output.shape[1] - 5
    results = []
    for b, (boxes, obj, cell) in enumerate(find_peaks(output, top_k=top_k, min_score=min_score)):
        probs = torch.softmax(output[b, 1:1 + n_classes].reshape(n_classes, -1)[:, cell], 0)
        results.append(name_peaks(boxes, obj, probs, top_k))
    return results
