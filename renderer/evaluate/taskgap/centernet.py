"""``centernet``: the default detector, a compact anchor-free one-stage network (CenterNet-style).

Every object is a peak on a per-class heatmap at stride 4, with its box size and the sub-cell
offset of its centre regressed at the peak. The backbone is a plain stack of stride-2 3x3
convolutions (16-32-64-96-128 channels, BatchNorm, ReLU) with a top-down feature pyramid merged
back to stride 4; the heads share one 3x3 convolution. About 0.4 M parameters: it trains from
scratch on a CPU in minutes, and being fully convolutional it runs on whole photos of any size.

Targets: an elliptical Gaussian per object on its class's heatmap (sigma = box side / 6 /
stride, as TTFNet), log box size in stride units and the centre offset at the centre cell.
Losses: the penalty-reduced focal loss of CenterNet on the heatmap (alpha 2, beta 4), L1 on log
size and offset, each normalised by the number of objects.

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

STRIDE = 4
WIDTHS = (16, 32, 64, 96, 128)  # stem (stride 2), then strides 4, 8, 16, 32
NECK = 48
PRIOR = 0.01  # initial heatmap probability: the focal loss starts near its background optimum


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
    """Backbone + top-down pyramid + heatmap / size / offset heads at stride 4."""

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.backbone = Backbone()
        self.lateral = nn.ModuleList(nn.Conv2d(c, NECK, 1) for c in WIDTHS[1:])
        self.smooth = _conv(NECK, NECK)
        self.head = nn.Sequential(nn.Conv2d(NECK, NECK, 3, padding=1), nn.ReLU(inplace=True),
                                  nn.Conv2d(NECK, n_classes + 4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) normalised images -> (N, C + 4, ceil(H/4), ceil(W/4)) raw outputs:
        class logits, log width and height (stride units), centre offset (cells)."""
        features = self.backbone(x)
        merged = self.lateral[-1](features[-1])
        for lateral, feature in zip(self.lateral[-2::-1], features[-2::-1], strict=True):
            up = upsample2(merged)[:, :, :feature.shape[2], :feature.shape[3]]
            merged = lateral(feature) + up
        return self.head(self.smooth(merged))


def build_centernet(n_classes: int, *, seed: int) -> CenterNet:
    """A :class:`CenterNet` initialised from ``seed`` (no global RNG), heatmap bias at PRIOR."""
    with torch.device("meta"):
        model = CenterNet(n_classes)
    initialise(model, seed=seed)
    last = model.head[-1]
    with torch.no_grad():
        last.bias.zero_()
        last.bias[:n_classes] = -math.log((1 - PRIOR) / PRIOR)
    return model


def encode_targets(boxes: np.ndarray, classes: np.ndarray, n_classes: int,
                   size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training targets of one image of ``size`` (height, width) pixels.

    Returns:
        heatmap (C, h, w) float32, regression (4, h, w) float32 (log w, log h, dx, dy) and a
        (h, w) float32 mask of the cells that hold an object centre.
    """
    h, w = math.ceil(size[0] / STRIDE), math.ceil(size[1] / STRIDE)
    heat = np.zeros((n_classes, h, w), np.float32)
    reg = np.zeros((4, h, w), np.float32)
    mask = np.zeros((h, w), np.float32)
    ys, xs = np.arange(h, dtype=np.float32)[:, None], np.arange(w, dtype=np.float32)[None, :]
    # large objects first, so a small one's regression wins a shared centre cell
    for k in np.argsort(-(boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])):
        x1, y1, x2, y2 = boxes[k] / STRIDE
        bw, bh = max(x2 - x1, 1e-3), max(y2 - y1, 1e-3)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        ix, iy = min(int(cx), w - 1), min(int(cy), h - 1)
        sx, sy = max(bw / 6, 0.5), max(bh / 6, 0.5)
        gauss = np.exp(-((xs - ix) ** 2 / (2 * sx * sx) + (ys - iy) ** 2 / (2 * sy * sy)))
        np.maximum(heat[classes[k]], gauss, out=heat[classes[k]])
        reg[:, iy, ix] = (math.log(bw), math.log(bh), cx - ix, cy - iy)
        mask[iy, ix] = 1.0
    return heat, reg, mask


def centernet_loss(output: torch.Tensor, heat: torch.Tensor, reg: torch.Tensor,
                   mask: torch.Tensor) -> dict[str, torch.Tensor]:
    """Focal heatmap loss + L1 size and offset losses (batched targets of encode_targets)."""
    n_classes = heat.shape[1]
    logits = output[:, :n_classes]
    prob = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    positive = heat.eq(1.0).float()
    n_objects = positive.sum().clamp(min=1.0)
    pos_loss = torch.log(prob) * (1 - prob) ** 2 * positive
    neg_loss = torch.log(1 - prob) * prob ** 2 * (1 - heat) ** 4 * (1 - positive)
    focal = -(pos_loss.sum() + neg_loss.sum()) / n_objects
    m = mask[:, None]
    n_centres = mask.sum().clamp(min=1.0)
    l1 = (output[:, n_classes:] - reg).abs() * m
    return {"heatmap": focal, "size": 0.5 * l1[:, :2].sum() / n_centres,
            "offset": l1[:, 2:].sum() / n_centres}


def decode(output: torch.Tensor, *, top_k: int = 100,
           min_score: float = 0.01) -> list[dict[str, torch.Tensor]]:
    """Peaks of each image's heatmap as boxes in input pixels: ``boxes`` XYXY, ``scores``,
    ``labels`` (0-based), at most ``top_k`` per image."""
    n_classes = output.shape[1] - 4
    heat = torch.sigmoid(output[:, :n_classes])
    peaks = heat * (torch.nn.functional.max_pool2d(
        heat, 3, stride=1, padding=1) == heat)
    n, _, h, w = heat.shape
    scores, flat = peaks.reshape(n, -1).topk(min(top_k, n_classes * h * w))
    results = []
    for b in range(n):
        keep = scores[b] >= min_score
        idx = flat[b][keep]
        labels, cell = idx // (h * w), idx % (h * w)
        ys, xs = cell // w, cell % w
        reg = output[b, n_classes:].reshape(4, -1)[:, cell]
        cx, cy = xs.float() + reg[2], ys.float() + reg[3]
        bw, bh = reg[0].clamp(max=8).exp(), reg[1].clamp(max=8).exp()
        boxes = torch.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], 1) * STRIDE
        results.append({"boxes": boxes, "scores": scores[b][keep], "labels": labels})
    return results
