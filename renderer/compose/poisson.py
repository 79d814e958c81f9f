"""Gradient-domain (Poisson) blending of a pasted object (``cv2.seamlessClone``, normal clone).

The object keeps its own gradients while its colour offset to the background is replaced by a
smooth membrane, so no seam remains for a detector to key on. It is by far the most expensive
blend mode (a few ms per object); scenes mix it with cheaper modes.
"""

from __future__ import annotations

import cv2
import numpy as np

_PAD = 2  # seamlessClone needs the mask off the destination's border
_GROW = np.ones((5, 5), np.uint8)  # seamlessClone erodes its mask by 3 px: grow it first


def poisson_blend(dst: np.ndarray, src: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Blend ``src`` (the composited object region) into ``dst`` (the same frame region).

    Args:
        dst: (h, w, 3) uint8 background region.
        src: (h, w, 3) uint8 region with the object composited over the background.
        alpha: (h, w) uint8 object coverage; the blend acts where it is > 0.

    Returns:
        (h, w, 3) uint8 blended region.
    """
    mask = cv2.dilate((alpha > 0).astype(np.uint8) * 255, _GROW)
    if not mask.any():
        return dst
    dst = cv2.copyMakeBorder(dst, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_REFLECT)
    src = cv2.copyMakeBorder(src, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_REFLECT)
    mask = cv2.copyMakeBorder(mask, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=0)
    x, y, w, h = cv2.boundingRect(mask)
    mask[:1], mask[-1:], mask[:, :1], mask[:, -1:] = 0, 0, 0, 0
    out = cv2.seamlessClone(src, dst, mask, (x + w // 2, y + h // 2), cv2.NORMAL_CLONE)
    return out[_PAD:-_PAD, _PAD:-_PAD]
