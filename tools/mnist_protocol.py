"""MNIST's size normalisation and centring, as a pure function on an ink image.

What MNIST did (LeCun, Cortes and Burges; "Gradient-based learning applied to document
recognition", 1998): the bilevel NIST scans were scaled to fit a 20x20 pixel box, aspect ratio
preserved, with an anti-aliasing filter (hence the grey edges), then placed in a 28x28 frame so
that the centre of mass of the pixel intensities lands on the frame's centre. The placement is a
whole-pixel translation: over the real test set the centre of mass sits at (13.99, 14.01) pixel
indices (row, column) with a standard deviation of 0.29 px, exactly the spread of rounding to the
nearest pixel, so the target is index ``out_size / 2`` (14.0 for 28), not 13.5.

Here the box fit uses area averaging when shrinking (an ideal anti-aliasing filter for a
supersampled or bilevel source) and bilinear interpolation when enlarging (low-resolution
sources such as scikit-learn's 8x8 digits).

Used by ``tools/handwriting_check.py`` to make scikit-learn's 8x8 digits MNIST-like. The
renderer's own ``classification: {center: mass, box: 20}`` (``renderer/compose/center.py``)
centres rendered digits by the same rule but on the rendered frame, with its own resampling,
which lands about 0.2 px from this placement; aligning them would move measured results (the
golden digits, the real-data table), so each stays as measured.
"""

from __future__ import annotations

import cv2
import numpy as np


def mass_centre(image: np.ndarray) -> tuple[float, float]:
    """Centre of mass (row, column) of a 2-D intensity image, in pixel indices.

    Raises:
        ValueError: the image has no ink.
    """
    weights = image.astype(np.float64)
    total = weights.sum()
    if total <= 0:
        raise ValueError("image has no ink: its centre of mass is undefined")
    rows = (weights.sum(axis=1) * np.arange(image.shape[0])).sum() / total
    cols = (weights.sum(axis=0) * np.arange(image.shape[1])).sum() / total
    return float(rows), float(cols)


def fit_box(ink: np.ndarray, box: int) -> np.ndarray:
    """Crop ``ink`` to its extent and scale it so that the longer side is ``box`` pixels."""
    ys, xs = np.nonzero(ink)
    if len(xs) == 0:
        raise ValueError("image has no ink: nothing to normalise")
    crop = ink[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(crop, size, interpolation=interpolation)


def mnist_normalize(ink: np.ndarray, out_size: int = 28, box: int = 20) -> np.ndarray:
    """Normalise a digit the way MNIST did: fit a ``box`` square, centre of mass to the centre.

    Args:
        ink: (h, w) uint8 ink coverage or intensity, 255 = full ink, 0 = background; any size.
        out_size: side of the square output frame, pixels.
        box: side of the square the ink's extent is fitted into (aspect preserved), pixels.

    Returns:
        (out_size, out_size) uint8 image, white ink on black, whose centre of mass is within
        half a pixel of (out_size / 2, out_size / 2) (pixel indices) unless the frame clips it.

    Raises:
        ValueError: ``ink`` is not 2-D, has no ink, or ``box`` exceeds ``out_size``.
    """
    if ink.ndim != 2:
        raise ValueError(f"expected a 2-D ink image, got shape {ink.shape}")
    if not 0 < box <= out_size:
        raise ValueError(f"box must be in 1..{out_size}, got {box}")
    fitted = fit_box(ink, box)
    row, col = mass_centre(fitted)
    top, left = round(out_size / 2 - row), round(out_size / 2 - col)
    out = np.zeros((out_size, out_size), np.uint8)
    h, w = fitted.shape
    # a lopsided digit can be pushed past the frame; MNIST cropped what fell outside
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + h, out_size), min(left + w, out_size)
    out[y0:y1, x0:x1] = fitted[y0 - top: y1 - top, x0 - left: x1 - left]
    return out
