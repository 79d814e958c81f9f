"""Process settings for rendering workers.

- One OpenCV thread per process: processes are the parallelism; OpenCV's own thread pool on top
  only adds contention (measured: more CPU time per image for the same wall time).
- glibc malloc keeps freed frame-sized blocks instead of returning each one to the OS: otherwise
  every full-frame temporary page-faults again on the next image (~2 us per 4 KiB page, more than
  a millisecond per 640x480 float frame).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

import cv2

log = logging.getLogger(__name__)

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MALLOC_SETTINGS = {_M_MMAP_THRESHOLD: 256 << 20, _M_TRIM_THRESHOLD: 1 << 30, _M_TOP_PAD: 64 << 20}


def tune_render_process() -> None:
    """Apply the settings above to the calling process (idempotent; no-op where unsupported)."""
    cv2.setNumThreads(1)
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc: nothing to tune
        return
    for option, value in _MALLOC_SETTINGS.items():
        if not mallopt(ctypes.c_int(option), ctypes.c_int(value)):
            log.debug("mallopt(%d) refused", option)
