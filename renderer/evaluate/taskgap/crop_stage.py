"""Second stage of the default detector: a small CNN names (or rejects) each object it found.

The one-stage heatmap finds objects well long before its dense class logits can read fine
details (a die's pips, a sign's pictogram): they sit at stride 4 on features shared with finding
and sizing. This stage looks again at each candidate at full resolution: the candidate box,
widened by ``CONTEXT``, is cut from the input image with ``torchvision.ops.roi_align`` into a
``CROP`` x ``CROP`` patch and classified into the task's classes plus *background*. A candidate's
score for class c is then objectness x p(c): a crop the stage calls background scores low,
which removes false alarms the heatmap makes on look-alikes (tail lights, tokens, foliage).

Training crops per image come from three places, as in two-stage detectors:

- each true box, jittered ``JITTERS`` times (centre +-``SHIFT`` of its side, sides x
  ``SCALE_RANGE``), with its class;
- the heatmap's own current top peaks (``PEAKS`` per image, detached): with their object's class
  when they overlap a true box by IoU >= ``POSITIVE_IOU``, as background below ``NEGATIVE_IOU``
  (hard negatives that follow what the detector currently mistakes);
- ``RANDOM_NEGATIVES`` random boxes (side log-uniform in 8 px .. half the image) that overlap
  no true box, so early training sees background too.

The crops are drawn from a generator seeded with the detector: training repeats exactly.
"""

from __future__ import annotations

import math

import torch
import torchvision
from torch import nn

CROP = 32  # px side of the patch the stage reads (GTSRB's size; a die's pips are legible)
CONTEXT = 1.2  # the box is widened by this factor before cropping: edges and rim stay in view
WIDTHS = (32, 64, 128)
JITTERS = 2
SHIFT = 0.12
SCALE_RANGE = (0.8, 1.25)
PEAKS = 8
POSITIVE_IOU, NEGATIVE_IOU = 0.5, 0.3
RANDOM_NEGATIVES = 4
MIN_SIDE = 8.0  # px: smallest random negative


class CropClassifier(nn.Module):
    """``(N, 3, CROP, CROP)`` normalised patches -> ``(N, n_classes + 1)`` logits (last:
    background). Three stride-2 blocks of two 3x3 convolutions (32-64-128 channels, BatchNorm,
    ReLU), global average pooling, one linear layer; about 0.3 M parameters."""

    def __init__(self, n_classes: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 3
        for c_out in WIDTHS:
            layers += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                       nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
            c_in = c_out
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classify = nn.Linear(c_in, n_classes + 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.features(x))


def cut(images: torch.Tensor, boxes: list[torch.Tensor]) -> torch.Tensor:
    """Patches of ``boxes`` (per image, XYXY px) widened by ``CONTEXT``, ``CROP`` px square,
    bilinearly resampled from the (N, 3, H, W) ``images`` (regions past the edge read as 0)."""
    widened = []
    for b in boxes:
        centre = (b[:, :2] + b[:, 2:]) / 2
        half = (b[:, 2:] - b[:, :2]).clamp(min=1.0) * CONTEXT / 2
        widened.append(torch.cat([centre - half, centre + half], 1).float())
    return torchvision.ops.roi_align(images, widened, CROP, spatial_scale=1.0, sampling_ratio=2,
                                     aligned=True)


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator)


def _jittered(boxes: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    boxes = boxes.repeat(JITTERS, 1)
    n = len(boxes)
    size = (boxes[:, 2:] - boxes[:, :2]).clamp(min=1.0)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2 + size * _uniform(2 * n, -SHIFT, SHIFT,
                                                                 generator).reshape(n, 2)
    log_low, log_high = (math.log(s) for s in SCALE_RANGE)
    size = size * _uniform(2 * n, log_low, log_high, generator).reshape(n, 2).exp()
    return torch.cat([centre - size / 2, centre + size / 2], 1)


def _random_boxes(side: float, generator: torch.Generator) -> torch.Tensor:
    n = RANDOM_NEGATIVES
    sides = _uniform(2 * n, math.log(MIN_SIDE), math.log(max(side / 2, 2 * MIN_SIDE)),
                     generator).exp().reshape(n, 2)
    corner = torch.rand(n, 2, generator=generator) * (side - sides).clamp(min=0)
    return torch.cat([corner, corner + sides], 1)


def training_crops(truth: tuple[torch.Tensor, torch.Tensor], peaks: torch.Tensor, side: float,
                   n_classes: int, generator: torch.Generator
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Boxes (k, 4) XYXY px and class labels (k,) (``n_classes``: background) of one training
    image: jittered true boxes, the heatmap's ``peaks`` boxes and random negatives."""
    boxes, classes = truth[0].float(), truth[1].long()
    background = torch.tensor(n_classes)
    candidates = torch.cat([peaks.float(), _random_boxes(side, generator)])
    if len(boxes):
        iou = torchvision.ops.box_iou(candidates, boxes)
        best, which = iou.max(1)
        labels = torch.where(best >= POSITIVE_IOU, classes[which], background)
        keep = (best >= POSITIVE_IOU) | (best < NEGATIVE_IOU)
        candidates, labels = candidates[keep], labels[keep]
        return (torch.cat([_jittered(boxes, generator), candidates]),
                torch.cat([classes.repeat(JITTERS), labels]))
    return candidates, background.repeat(len(candidates))
