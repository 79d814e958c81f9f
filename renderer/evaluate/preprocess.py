"""One pinned preprocessing for both sides of every comparison.

Parmar et al. ("On Aliased Resizing and Surprising Subtleties in GAN Evaluation", clean-fid, 2022)
show that FID moves by more than typical model improvements when the two sides are resized with
different libraries, filters or quantisation. So both sides go through exactly this function:

1. to RGB: a gray image (HxWx1) is replicated into three channels (after resizing, which is the
   same result and a third of the work);
2. resize every image to ``size x size`` (aspect ratio not kept, as every FID implementation does)
   with **PIL bicubic on float32** (mode ``"F"``, one channel at a time). PIL's filters widen their
   support when downscaling, so they antialias (``torch.nn.functional.interpolate`` does not by
   default); working in float avoids a second uint8 quantisation and the clipping of bicubic
   overshoot, which would hit sharp synthetic edges harder than real ones. This is clean-fid's
   "clean" mode;
3. scale to [0, 1] (values slightly outside are bicubic overshoot and are kept), channel-first.

The description is recorded in every result (:func:`describe`), so a report states how its
features were made.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

METHOD = "PIL bicubic on float32 per channel (clean-fid 'clean' mode); gray replicated to RGB"


def describe(size: int) -> dict[str, object]:
    """Return the JSON-able record of the preprocessing used for extractor input ``size``."""
    return {"method": METHOD, "size": [size, size], "range": [0.0, 1.0], "layout": "NCHW RGB"}


def resize_channel(channel: np.ndarray, size: int) -> np.ndarray:
    """Resize one HxW channel (any numeric dtype) to ``size x size`` float32 with PIL bicubic."""
    plane = np.ascontiguousarray(channel, dtype=np.float32)
    if plane.shape == (size, size):
        return plane
    resized = Image.fromarray(plane).resize((size, size), resample=Image.Resampling.BICUBIC)
    return np.asarray(resized, dtype=np.float32)


def prepare_image(image: np.ndarray, size: int) -> np.ndarray:
    """Return ``image`` (HxWx1 or HxWx3 uint8) as a (3, size, size) float32 array in [0, 1]."""
    planes = [resize_channel(image[:, :, c], size) for c in range(image.shape[2])]
    if len(planes) == 1:
        planes = planes * 3
    return np.stack(planes) / np.float32(255.0)


def prepare_batch(images: list[np.ndarray], size: int) -> np.ndarray:
    """Return a (N, 3, size, size) float32 batch of ``images``, each by :func:`prepare_image`."""
    batch = np.empty((len(images), 3, size, size), dtype=np.float32)
    for i, image in enumerate(images):
        batch[i] = prepare_image(image, size)
    return batch


def to_rgb(image: np.ndarray) -> np.ndarray:
    """Return an HxWx3 uint8 view of ``image`` (gray replicated), at its own size."""
    return np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image
