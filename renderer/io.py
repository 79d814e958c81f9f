"""Small I/O helpers: atomic writes and image encoding.

Every file the product writes goes to a temporary name in the same folder and is renamed when
complete, so an interruption (Ctrl-C, kill -9, full disk) never leaves a file that looks whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np


class OutputError(OSError):
    """Writing the dataset failed; the message says what happened and how to resume."""


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file + rename)."""
    tmp = _temp_name(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def open_atomic(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file that replaces ``path`` only if the block completes."""
    tmp = _temp_name(path)
    try:
        with open(tmp, mode, encoding=None if "b" in mode else "utf-8") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_json_atomic(path: Path, data: Any, indent: int | None = 2) -> None:
    """Write JSON atomically."""
    write_bytes_atomic(path, (json.dumps(data, indent=indent) + "\n").encode("utf-8"))


def encode_image(image: np.ndarray, image_format: str, jpeg_quality: int = 95,
                 png_compression: int = 1) -> bytes:
    """Encode an HWC uint8 RGB (or HWx1 gray) image as JPEG (4:2:0) or PNG bytes."""
    if image.shape[2] == 1:
        pixels = image[..., 0]
    else:
        pixels = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    if image_format == "jpg":
        params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality,
                  cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420]
        ok, data = cv2.imencode(".jpg", pixels, params)
    else:
        ok, data = cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, png_compression])
    if not ok:
        raise OutputError(f"encoding a {image_format} image failed")
    return data.tobytes()


def decode_image(data: bytes, gray: bool = False) -> np.ndarray:
    """Decode image bytes to HWC uint8 RGB (or HWx1 gray)."""
    flag = cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if pixels is None:
        raise ValueError("not a decodable image")
    return pixels[..., None] if gray else cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def image_name(index: int, image_format: str) -> str:
    """File name of image ``index``: zero-padded to 6 digits (more when needed)."""
    return f"{index:06d}.{image_format}"
