"""``randfeat``: a weight-free, deterministic feature extractor that always works offline.

Pretrained backbones are the usual choice for FID/KID, but their weights are not always on the
machine (and never downloaded here). This extractor needs nothing but its constant seed, so two
machines with the same library versions give the same features. It captures:

- **texture and local structure at four scales**: a fixed random convolutional network (Jarrett et
  al. 2009; Saxe et al. 2011 show random filters already separate textures well) with zero-mean,
  norm-sqrt(2) filters drawn once from ``SEED``, ReLU, stride 2 at every stage; per
  stage, the spatial mean and standard deviation of every channel (704-d) - statistics of random
  band-pass responses, in the spirit of Portilla-Simoncelli texture statistics;
- **global layout**: an 8x8 gray thumbnail (64-d), so where the ink/object sits matters;
- **colour**: 16-bin histograms of R, G and B (48-d);
- **sharpness and edges**: at 64, 32 and 16 px, the fraction of pixels whose Sobel gradient
  magnitude exceeds 5 thresholds and the mean |Laplacian| (18-d), plus an 8-bin histogram of
  gradient orientation weighted by magnitude (8-d).

Input: (N, 3, 64, 64) float in [0, 1] (see :mod:`renderer.evaluate.preprocess`); output 842-d.
Its numbers are not comparable with Inception-based FID/KID (nor with another version of this
extractor); they are meant for comparing synthetic variants against one real set.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812 - the conventional alias

SEED = 20240229
STAGES = ((32, 5), (64, 3), (128, 3), (128, 3))  # (output channels, kernel size), all stride 2
# block gains: on MNIST and GTSRB the four blocks then have total variances of the same order, so
# none dominates the distances (texture, thumbnail, colour, gradients)
GAINS = (1.0, 0.25, 1.0, 1.0)
COLOUR_BINS = 16
GRADIENT_THRESHOLDS = (0.02, 0.05, 0.1, 0.2, 0.4)  # Sobel magnitude, image range [0, 1]
ORIENTATION_BINS = 8
SOBEL_X = ((-1.0, 0.0, 1.0), (-2.0, 0.0, 2.0), (-1.0, 0.0, 1.0))
LAPLACIAN = ((0.0, 1.0, 0.0), (1.0, -4.0, 1.0), (0.0, 1.0, 0.0))


def random_filters(generator: np.random.Generator) -> list[np.ndarray]:
    """Zero-mean, unit-L2-norm filters of every stage, drawn from ``generator`` in stage order.

    Zero mean makes each filter a band-pass: the mean level goes to the colour block alone. The
    sqrt(2) gain (He et al. 2015) keeps the response energy constant through each ReLU.
    """
    filters, c_in = [], 3
    for c_out, k in STAGES:
        w = generator.standard_normal((c_out, c_in, k, k))
        w -= w.mean(axis=(1, 2, 3), keepdims=True)
        w *= math.sqrt(2) / np.linalg.norm(w.reshape(c_out, -1), axis=1).reshape(-1, 1, 1, 1)
        filters.append(w.astype(np.float32))
        c_in = c_out
    return filters


class RandomFeatures(torch.nn.Module):
    """The ``randfeat`` network (see module docstring); all weights are fixed buffers."""

    input_size = 64
    DESCRIPTION = (
        f"randfeat v1 (weight-free, seed {SEED}): random 4-stage conv net channel mean+std "
        "(texture at 4 scales, 704-d) + 8x8 gray thumbnail (layout, 64-d) + RGB histograms "
        "(colour, 48-d) + multi-scale gradient/Laplacian statistics and orientation histogram "
        "(sharpness, edges, 26-d)")

    def __init__(self) -> None:
        super().__init__()
        # a fixed constant seed: these are the extractor's definition, not a random draw
        filters = random_filters(np.random.Generator(np.random.PCG64(SEED)))
        self.stage_weights = torch.nn.ParameterList(
            torch.nn.Parameter(torch.from_numpy(w), requires_grad=False) for w in filters)
        sobel = torch.tensor(SOBEL_X)
        self.register_buffer("sobel", torch.stack([sobel, sobel.T]).unsqueeze(1))
        self.register_buffer("laplacian", torch.tensor(LAPLACIAN).view(1, 1, 3, 3))
        self.dim = (2 * sum(c for c, _ in STAGES) + 64 + 3 * COLOUR_BINS
                    + 3 * (len(GRADIENT_THRESHOLDS) + 1) + ORIENTATION_BINS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (N, 3, 64, 64) images in [0, 1] to (N, 842) features."""
        gray = x.mean(dim=1, keepdim=True)
        blocks = [self._texture(x), F.adaptive_avg_pool2d(gray, 8).flatten(1) - 0.5,
                  self._colour(x), self._gradients(gray)]
        return torch.cat([gain * block for gain, block in zip(GAINS, blocks, strict=True)], dim=1)

    def _texture(self, x: torch.Tensor) -> torch.Tensor:
        stats, h = [], x - 0.5
        for w in self.stage_weights:
            # stride 2 instead of conv + pool: a quarter of the work, same scales (64 -> 4 px)
            h = F.relu(F.conv2d(h, w, stride=2, padding=w.shape[-1] // 2))
            stats += [h.mean(dim=(2, 3)), h.std(dim=(2, 3), correction=0)]
        return torch.cat(stats, dim=1)

    @staticmethod
    def _colour(x: torch.Tensor) -> torch.Tensor:
        n, c = x.shape[:2]
        bins = (x.clamp(0, 1) * COLOUR_BINS).long().clamp_(max=COLOUR_BINS - 1)
        offsets = torch.arange(n * c, device=x.device).view(n, c, 1, 1) * COLOUR_BINS
        counts = torch.bincount((bins + offsets).flatten(), minlength=n * c * COLOUR_BINS)
        return (counts.view(n, c * COLOUR_BINS).to(x.dtype) / (x.shape[2] * x.shape[3]))

    def _gradients(self, gray: torch.Tensor) -> torch.Tensor:
        feats, orientation = [], None
        thresholds = torch.tensor(GRADIENT_THRESHOLDS, device=gray.device).view(1, -1, 1, 1)
        for scale in range(3):
            g = F.avg_pool2d(gray, 2**scale) if scale else gray
            grad = F.conv2d(F.pad(g, (1, 1, 1, 1), mode="replicate"), self.sobel) / 8.0
            magnitude = grad.square().sum(dim=1, keepdim=True).sqrt()
            feats.append((magnitude > thresholds).to(g.dtype).mean(dim=(2, 3)))
            lap = F.conv2d(F.pad(g, (1, 1, 1, 1), mode="replicate"), self.laplacian)
            feats.append(lap.abs().mean(dim=(2, 3)))
            if orientation is None:
                orientation = self._orientation(grad, magnitude)
        return torch.cat([*feats, orientation], dim=1)

    @staticmethod
    def _orientation(grad: torch.Tensor, magnitude: torch.Tensor) -> torch.Tensor:
        n = grad.shape[0]
        angle = torch.atan2(grad[:, 1], grad[:, 0]).remainder(math.pi)  # edge direction mod 180
        bins = (angle / math.pi * ORIENTATION_BINS).long().clamp_(max=ORIENTATION_BINS - 1)
        offsets = torch.arange(n, device=grad.device).view(n, 1, 1) * ORIENTATION_BINS
        weights = magnitude[:, 0]
        hist = torch.bincount((bins + offsets).flatten(), weights=weights.flatten(),
                              minlength=n * ORIENTATION_BINS).view(n, ORIENTATION_BINS)
        return hist / hist.sum(dim=1, keepdim=True).clamp_min(1e-8)
