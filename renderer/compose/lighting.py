"""Global light: ambient gain, colour temperature, vignetting and spot highlights.

The spatial light field is computed at 1/16 resolution and upsampled: lighting is smooth, and
the full-resolution work is then a single multiply.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

_FIELD_STEP = 16


@lru_cache(maxsize=512)
def temperature_gains(kelvin: float) -> tuple[float, float, float]:
    """Per-channel RGB gains of a black-body light at ``kelvin``, normalised to 1 at 6500 K.

    Uses Tanner Helland's fit of the Planckian locus in sRGB (good to a few percent over
    1000-40000 K), which is plenty for white-balance randomisation.
    """

    def rgb(t: float) -> np.ndarray:
        t = t / 100.0
        r = 255.0 if t <= 66 else 329.698727446 * (t - 60) ** -0.1332047592
        g = (99.4708025861 * np.log(t) - 161.1195681661 if t <= 66
             else 288.1221695283 * (t - 60) ** -0.0755148492)
        b = 255.0 if t >= 66 else (0.0 if t <= 19 else 138.5177312231 * np.log(t - 10) - 305.0447927307)
        return np.clip(np.array([r, g, b], float), 1.0, 255.0)

    gains = rgb(kelvin) / rgb(6500.0)
    return float(gains[0]), float(gains[1]), float(gains[2])


def _field(lighting: dict[str, Any], height: int, width: int) -> np.ndarray | None:
    if lighting["vignette"] <= 0 and not lighting["spots"]:
        return None
    gh, gw = height // _FIELD_STEP + 2, width // _FIELD_STEP + 2
    ys = np.linspace(0, 1, gh, dtype=np.float32)[:, None]
    xs = np.linspace(0, 1, gw, dtype=np.float32)[None, :]
    aspect = width / height
    r2 = ((xs - 0.5) * aspect) ** 2 + (ys - 0.5) ** 2
    field = 1.0 - lighting["vignette"] * r2 / float(r2.max())
    diag2 = aspect**2 + 1.0
    for spot in lighting["spots"]:
        d2 = ((xs - spot["x"]) * aspect) ** 2 + (ys - spot["y"]) ** 2
        field = field + spot["intensity"] * np.exp(-d2 / (2 * spot["radius"] ** 2 * diag2))
    return field.astype(np.float32)


def apply_lighting(frame: np.ndarray, lighting: dict[str, Any],
                   response: np.ndarray | None = None) -> np.ndarray:
    """Return the frame lit by the lighting record (RGB uint8 in, RGB uint8 out).

    ``response`` (H, W float32) is the exponent of the ambient gain at each pixel (1 where the
    scene is lit as a whole; see ``Material.ambient_response``); None means 1 everywhere.
    """
    temperature = np.asarray(temperature_gains(round(lighting["temperature"], 1)), np.float32)
    gains = temperature * np.float32(lighting["ambient"])
    height, width = frame.shape[:2]
    coarse = _field(lighting, height, width)
    if coarse is None:
        if np.allclose(gains, 1.0):
            lit = frame
        else:
            x = np.arange(256, dtype=np.float32)[:, None] * gains[None, :]
            lut = np.clip(np.round(x), 0, 255).astype(np.uint8).reshape(1, 256, 3)
            lit = cv2.LUT(frame, lut)
    else:
        # Fold the colour gains into the coarse field, upsample once, multiply once (saturating).
        field = cv2.resize(coarse[..., None] * gains, (width, height), dst=_scratch(height, width),
                           interpolation=cv2.INTER_LINEAR)
        lit = cv2.multiply(frame, field, dtype=cv2.CV_8U)
    if response is None:
        return lit
    # Relight only the pixels of self-lit objects: the rest keep the bytes of a frame without them.
    own = response != 1.0
    if not own.any():
        return lit
    gain = np.power(np.float32(lighting["ambient"]), response[own], dtype=np.float32)[:, None] * temperature
    if coarse is not None:
        gain *= cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)[own][:, None]
    lit = lit.copy() if lit is frame else lit
    lit[own] = np.clip(np.rint(frame[own] * gain), 0, 255).astype(np.uint8)
    return lit


_SCRATCH = threading.local()


def _scratch(height: int, width: int) -> np.ndarray:
    """This thread's full-frame float32 RGB buffer for the light field, reused from image to image
    (it never leaves ``apply_lighting``): a fresh 3.7 MB array per 640x480 image added about
    0.1 ms of new pages to the 0.5 ms of lighting."""
    buffer = getattr(_SCRATCH, "field", None)
    if buffer is None or buffer.shape != (height, width, 3):
        buffer = _SCRATCH.field = np.empty((height, width, 3), np.float32)
    return buffer
