"""Depth maps on disk: 16-bit PNG in millimetres (0 = no surface), as BOP and most depth
sensors store them; reading one back and dividing by 1000 gives metres to within 0.5 mm."""

from __future__ import annotations

import cv2
import numpy as np

MM_PER_M = 1000.0
DEPTH_DIR = "depth"


def depth_png(depth_m: np.ndarray) -> bytes:
    """16-bit PNG (fast compression) of a depth map in metres, rounded to millimetres."""
    mm = np.clip(np.rint(depth_m * MM_PER_M), 0, 65535).astype(np.uint16)
    # No row filter: depth maps are mostly runs of zeros, which deflate well as they are, and
    # libpng's adaptive filtering was 3.5x the cost (4.3 -> 1.2 ms at 640x480).
    ok, buf = cv2.imencode(".png", mm, [cv2.IMWRITE_PNG_COMPRESSION, 1,
                                        cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE])
    if not ok:  # pragma: no cover - OpenCV encodes any uint16 image
        raise RuntimeError("PNG encoding of a depth map failed")
    return buf.tobytes()


def read_depth_png(data: bytes) -> np.ndarray:
    """Depth in metres (float32) from ``depth_png`` bytes."""
    mm = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    return mm.astype(np.float32) / np.float32(MM_PER_M)


def pose_record(pose: dict) -> dict:
    """An object's pose for JSON: ``R`` row-major 3x3, ``t`` metres, scale, face up (dice)."""
    out = {"R": [[round(v, 9) for v in row] for row in pose["R"]],
           "t": [round(v, 9) for v in pose["t"]], "scale": pose["scale"]}
    if "face_up" in pose:
        out["face_up"] = pose["face_up"]
    return out
