"""Low-level statistics of single images, each a number a spec parameter moves.

All are measured on the image at its own size (resizing would change sharpness, noise and
blockiness), on uint8 RGB; gray images are replicated to RGB first. Luma is Rec. 601
(0.299 R + 0.587 G + 0.114 B) in 0-255.

| name | what | unit |
| --- | --- | --- |
| brightness | mean luma | 0-255 |
| contrast | standard deviation of luma (RMS contrast) | 0-255 |
| saturation | mean HSV saturation | 0-1 |
| temperature | log2 of mean red / mean blue (positive: warm) | log2 ratio |
| sharpness | log10(1 + variance of the 3x3 Laplacian of luma) | log10 |
| noise | sigma of the high-pass residual (Immerkaer kernel), robust: 1.4826 * MAD / 6 | 0-255 |
| spectrum_slope | slope of radially averaged log power vs log frequency (natural: ~ -2) | - |
| edge_density | fraction of Canny edge pixels (thresholds 100, 200) | 0-1 |
| blockiness | mean luma step across 8x8 block borders / within blocks (1: none; JPEG > 1) | ratio |
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from renderer.evaluate.preprocess import to_rgb

# Immerkaer (1996) noise kernel: the difference of two Laplacians cancels image structure up to
# second order; its L2 norm is 6, so the residual of white noise sigma has std 6 sigma
NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
MAD_TO_SIGMA = 1.4826
CANNY_THRESHOLDS = (100, 200)
BLOCK = 8


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma of an HxWx3 uint8 image, float32 in 0-255."""
    return rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def brightness(rgb: np.ndarray, y: np.ndarray) -> float:
    """Mean luma (0-255)."""
    return float(y.mean())


def contrast(rgb: np.ndarray, y: np.ndarray) -> float:
    """RMS contrast: standard deviation of luma (0-255)."""
    return float(y.std())


def saturation(rgb: np.ndarray, y: np.ndarray) -> float:
    """Mean HSV saturation (0-1)."""
    return float(cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)[:, :, 1].mean() / 255.0)


def temperature(rgb: np.ndarray, y: np.ndarray) -> float:
    """log2 of mean red over mean blue: positive is warm (orange), negative cool (blue)."""
    means = rgb.reshape(-1, 3).mean(axis=0)
    return float(np.log2((means[0] + 1.0) / (means[2] + 1.0)))  # +1: defined on black images


def sharpness(rgb: np.ndarray, y: np.ndarray) -> float:
    """log10(1 + variance of the 3x3 Laplacian of luma): higher is sharper."""
    return float(np.log10(1.0 + cv2.Laplacian(y, cv2.CV_32F, ksize=1).var()))


def noise(rgb: np.ndarray, y: np.ndarray) -> float:
    """Robust noise sigma (0-255) of the Immerkaer high-pass residual; NaN below 3x3."""
    if min(y.shape) < 3:
        return float("nan")
    residual = cv2.filter2D(y, cv2.CV_32F, NOISE_KERNEL)[1:-1, 1:-1]
    return float(MAD_TO_SIGMA * np.median(np.abs(residual - np.median(residual))) / 6.0)


def spectrum_slope(rgb: np.ndarray, y: np.ndarray) -> float:
    """Slope of the radially averaged log power spectrum vs log frequency."""
    h, w = y.shape
    if min(h, w) < 8:
        return float("nan")
    window = np.outer(np.hanning(h), np.hanning(w))  # suppresses the border's cross artefact
    power = np.abs(np.fft.fftshift(np.fft.fft2((y - y.mean()) * window))) ** 2
    fy, fx = np.meshgrid(np.arange(h) - h // 2, np.arange(w) - w // 2, indexing="ij")
    radius = np.sqrt((fy / h) ** 2 + (fx / w) ** 2)  # cycles per pixel
    bins = np.round(radius * min(h, w)).astype(int)
    counts = np.bincount(bins.ravel())
    radial = np.bincount(bins.ravel(), weights=power.ravel()) / np.maximum(counts, 1)
    freq = np.arange(len(radial)) / min(h, w)
    keep = (freq >= 2.0 / min(h, w)) & (freq <= 0.5) & (radial > 0)
    if keep.sum() < 3:
        return float("nan")
    return float(np.polyfit(np.log(freq[keep]), np.log(radial[keep]), 1)[0])


def edge_density(rgb: np.ndarray, y: np.ndarray) -> float:
    """Fraction of pixels on Canny edges of luma."""
    edges = cv2.Canny(np.clip(y + 0.5, 0, 255).astype(np.uint8), *CANNY_THRESHOLDS)
    return float((edges > 0).mean())


def blockiness(rgb: np.ndarray, y: np.ndarray) -> float:
    """Mean luma step across 8x8 block borders over the mean step inside blocks."""
    h, w = y.shape
    if min(h, w) < 2 * BLOCK:
        return float("nan")
    steps_x = np.abs(np.diff(y, axis=1))  # steps_x[:, i] lies between columns i and i + 1
    steps_y = np.abs(np.diff(y, axis=0))
    on_x = (np.arange(w - 1) % BLOCK) == BLOCK - 1
    on_y = (np.arange(h - 1) % BLOCK) == BLOCK - 1
    across = steps_x[:, on_x].sum() + steps_y[on_y].sum()
    n_across = steps_x[:, on_x].size + steps_y[on_y].size
    within = steps_x[:, ~on_x].sum() + steps_y[~on_y].sum()
    n_within = steps_x[:, ~on_x].size + steps_y[~on_y].size
    return float((across / n_across + 1e-3) / (within / n_within + 1e-3))


Measure = Callable[[np.ndarray, np.ndarray], float]
IMAGE_STATS: dict[str, tuple[Measure, str]] = {
    "brightness": (brightness, "mean luma, 0-255"),
    "contrast": (contrast, "luma std, 0-255"),
    "saturation": (saturation, "mean HSV saturation, 0-1"),
    "temperature": (temperature, "log2 mean R / mean B"),
    "sharpness": (sharpness, "log10(1 + Laplacian variance)"),
    "noise": (noise, "residual sigma, 0-255"),
    "spectrum_slope": (spectrum_slope, "log-log power slope"),
    "edge_density": (edge_density, "Canny edge fraction"),
    "blockiness": (blockiness, "8x8 border / inner step ratio"),
}


def measure_images(images: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Every statistic of :data:`IMAGE_STATS` for every image: ``{name: (N,) float64}``."""
    values = {name: np.empty(len(images)) for name in IMAGE_STATS}
    for i, image in enumerate(images):
        rgb = np.ascontiguousarray(to_rgb(image))
        y = luma(rgb)
        for name, (measure, _) in IMAGE_STATS.items():
            values[name][i] = measure(rgb, y)
    return values
