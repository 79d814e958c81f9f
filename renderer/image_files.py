"""Decode asset image files completely, with one clear error per kind of bad file."""

from __future__ import annotations

import struct
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from renderer.scene_context import AssetError
from renderer.text import first_line

MAX_PIXELS = 64_000_000  # refuse decompression bombs before decoding them
SIXTEEN_BIT_GRAY = ("I;16", "I;16L", "I;16B", "I;16N")
# What Pillow's decoders raise on corrupt or truncated data (Warning: see read_image).
DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error, Warning)


def read_image(path: Path, ref: str, what: str, mode: str,
               inspect: Callable[[Image.Image], None] | None = None) -> np.ndarray:
    """Decode an image file completely as an 8-bit ``mode`` array ("RGB" or "RGBA").

    Empty, unreadable, zero-size, giant (> ``MAX_PIXELS``), truncated or corrupt files and
    32-bit modes raise ``AssetError`` naming ``ref``; 16-bit gray keeps its high byte (Pillow's own
    conversion would clip it to white). Pillow's warnings (corrupt EXIF, truncated reads, bombs)
    count as errors, so a file is usable or not whatever the caller's warning filters.

    Args:
        path: the resolved file.
        ref: the file as the spec names it (for messages).
        what: the kind of file (``cutout``, ``background image``).
        mode: Pillow mode of the result.
        inspect: sees the opened image before its pixels are decoded; raises ``AssetError``.
    """
    try:
        if path.stat().st_size == 0:
            raise AssetError(f"{what} {ref!r} is an empty file (0 bytes)")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with Image.open(path) as im:
                w, h = im.size
                if w == 0 or h == 0:
                    raise AssetError(f"{what} {ref!r} is empty ({w}x{h} pixels)")
                if w * h > MAX_PIXELS:
                    raise AssetError(f"{what} {ref!r} is too large ({w}x{h} > {MAX_PIXELS} pixels)")
                if inspect is not None:
                    inspect(im)
                if im.mode in ("I", "F"):
                    raise AssetError(f"{what} {ref!r} has 32-bit pixels (mode {im.mode}); save it "
                                     "as an 8- or 16-bit image")
                if im.mode in SIXTEEN_BIT_GRAY:
                    gray = (np.asarray(im, dtype=np.uint16) >> 8).astype(np.uint8)
                    return np.asarray(Image.fromarray(gray, "L").convert(mode))
                return np.asarray(im.convert(mode))
    except AssetError:  # a ValueError: keep it from the decoder errors below
        raise
    except UnidentifiedImageError:
        raise AssetError(f"{what} {ref!r} is not an image file Pillow can read (unknown format "
                         "or corrupt header)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AssetError(f"{what} {ref!r} is too large (more than {MAX_PIXELS} pixels)") from None
    except FileNotFoundError:
        raise AssetError(f"{what} not found: {ref!r}") from None
    except (PermissionError, IsADirectoryError) as exc:
        raise AssetError(f"{what} {ref!r} cannot be read: {exc.strerror}") from None
    except DECODE_ERRORS as exc:
        raise AssetError(f"{what} {ref!r} cannot be decoded (truncated or corrupt): "
                         f"{first_line(exc)}") from None
