"""MNIST-style centring for classification scenes.

MNIST's digits were size-normalised to fit a 20x20 box (aspect preserved, anti-aliased) and then
placed in the 28x28 frame so that their centre of mass sits at the centre. ``center_by_mass``
does the same on a rendered (optionally supersampled) frame, moving the labels with the pixels.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from renderer.compose.geometry import transform_points
from renderer.compose.paste import PastedObject, crop_mask, frame_mask


def mass_transform(image: np.ndarray, mask: np.ndarray, out_size: tuple[int, int],
                   box: int) -> np.ndarray:
    """2x3 affine taking the object's extent into a ``box`` square, centre of mass to the centre.

    Mass is the image luminance inside the object's bounding box (ink on a dark background).
    """
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    scale = box / max(x1 - x0, y1 - y0)
    gray = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY).astype(np.float64)
    total = gray.sum()
    if total <= 0:
        my, mx = (y1 - y0) / 2, (x1 - x0) / 2
    else:
        gy, gx = np.mgrid[0:y1 - y0, 0:x1 - x0]
        my, mx = (gray * (gy + 0.5)).sum() / total, (gray * (gx + 0.5)).sum() / total
    cx, cy = x0 + mx, y0 + my
    w, h = out_size
    return np.array([[scale, 0, w / 2 - scale * cx], [0, scale, h / 2 - scale * cy]], np.float64)


def warp_frame(image: np.ndarray, id_map: np.ndarray, affine: np.ndarray,
               out_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Warp image (anti-aliased) and instance map (nearest) by ``affine`` into ``out_size``."""
    scale = float(np.sqrt(abs(np.linalg.det(affine[:, :2]))))
    src = image
    if scale < 1:  # low-pass before shrinking, as an area filter would
        src = cv2.GaussianBlur(image, (0, 0), 0.5 / scale)
    out = cv2.warpAffine(src, affine, out_size, flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    ids = cv2.warpAffine(id_map, affine, out_size, flags=cv2.INTER_NEAREST,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return out, ids


def warp_pasted(obj: PastedObject, affine: np.ndarray, frame_size: tuple[int, int],
                out_size: tuple[int, int]) -> PastedObject:
    """Move one object's geometry by ``affine`` (amodal mask nearest-warped, then cropped)."""
    moved = cv2.warpAffine(frame_mask(obj, frame_size), affine, out_size,
                           flags=cv2.INTER_NEAREST) > 0
    amodal, (mx0, my0) = crop_mask(moved)
    m3 = np.vstack([affine, [0, 0, 1]])
    bx = obj.amodal_box
    corners = transform_points(m3, np.array([[bx[0], bx[1]], [bx[2], bx[3]]], np.float64))
    scale2 = abs(np.linalg.det(affine[:, :2]))
    return replace(obj, amodal=amodal, origin=(mx0, my0),
                   amodal_area=max(int(round(obj.amodal_area * scale2)), int(amodal.sum())),
                   amodal_box=(float(corners[0, 0]), float(corners[0, 1]),
                               float(corners[1, 0]), float(corners[1, 1])),
                   keypoints=transform_points(m3, obj.keypoints))
