"""COCO masks: run lengths (compressed or not) and polygons decoded to boolean arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from renderer.datasets.base import DatasetError


def rle_counts(text: bytes) -> list[int]:
    """Run lengths of a compressed COCO RLE string (pycocotools' ``rleFrString``)."""
    counts: list[int] = []
    p = 0
    while p < len(text):
        x, k, more = 0, 0, True
        while more:
            if p >= len(text):
                raise DatasetError("compressed RLE ends inside a number")
            c = text[p] - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p, k = p + 1, k + 1
            if not more and c & 0x10:
                x |= -1 << (5 * k)
        if len(counts) > 2:  # counts after the first two are stored as differences
            x += counts[-2]
        counts.append(x)
    return counts


def rle_mask(counts: list[int], height: int, width: int) -> np.ndarray:
    """(H, W) bool mask of COCO run lengths (column-major, starting with a run of zeros)."""
    runs = np.asarray(counts, np.int64)
    if (runs < 0).any() or runs.sum() != height * width:
        raise DatasetError(f"RLE runs cover {int(runs.sum())} pixels, not {height}x{width}")
    values = np.zeros(len(runs), bool)
    values[1::2] = True
    return np.repeat(values, runs).reshape(width, height).T


def decode_segmentations(segs: tuple[Any, ...], height: int, width: int) -> np.ndarray:
    """(n, H, W) bool masks from COCO RLEs (compressed or not) or polygons.

    RLEs are decoded here rather than by ``pycocotools.mask.decode``, which warns under numpy 2
    and crashes on malformed counts instead of reporting them.
    """
    masks = np.zeros((len(segs), height, width), bool)
    for k, seg in enumerate(segs):
        if isinstance(seg, list):
            merged = mask_utils.merge(mask_utils.frPyObjects(seg, height, width))
            counts = rle_counts(merged["counts"])
        else:
            if list(seg["size"]) != [height, width]:
                raise DatasetError(f"mask {k}: RLE size {seg['size']} differs from the image's "
                                   f"{[height, width]}")
            raw = seg["counts"]
            counts = raw if isinstance(raw, list) else rle_counts(raw.encode("ascii"))
        masks[k] = rle_mask(counts, height, width)
    return masks
