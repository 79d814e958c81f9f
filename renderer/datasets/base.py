"""The record every loader returns, the sequence that holds them, and shared file helpers.

Loaders for rendered and real sets (COCO, YOLO, ImageFolder, WebDataset, MNIST idx, GTSRB,
plain image folders) all return a ``LoadedDataset``: a sequence of ``LoadedSample`` in a
deterministic order. Images are decoded when an item is read; masks only when asked for.

Real sets are often slightly broken. A malformed item (an image entry, an annotation, a label
line, a CSV row) is a ``DatasetError`` naming the file and the line or field; loaders hand it to
``Problems``, which raises it (``on_error="stop"``) or records it, warns and leaves the item out
(``"skip"``). Damage to a whole file (JSON syntax, the categories list) always stops.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

import cv2
import numpy as np

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm", ".tif", ".tiff", ".webp"})
TASKS = ("detection", "classification", "unlabeled")
OnError = Literal["stop", "skip"]
ON_ERROR: tuple[OnError, ...] = ("stop", "skip")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class DatasetError(ValueError):
    """A dataset cannot be read; the message names the file and the line or field at fault."""


@dataclass
class Problems:
    """Where loaders send malformed items: raised (``stop``) or warned about and listed (``skip``).

    Attributes:
        on_error: ``stop`` raises the first problem; ``skip`` leaves the item out.
        items: the problems skipped so far, one line each (file and line or field first).
    """

    on_error: OnError = "stop"
    items: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.on_error not in ON_ERROR:
            raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}, not {self.on_error!r}")

    def report(self, exc: DatasetError) -> None:
        """Raise ``exc`` (stop), or warn and record it (skip): the caller then leaves the item out."""
        if self.on_error == "stop":
            raise exc
        log.warning("skipped: %s", exc)
        self.items.append(str(exc))


def empty_boxes() -> np.ndarray:
    """(0, 4) float32: the boxes of an image without objects."""
    return np.zeros((0, 4), np.float32)


def empty_ids() -> np.ndarray:
    """(0,) int64: the category ids of an image without objects."""
    return np.zeros(0, np.int64)


@dataclass(frozen=True, eq=False)
class LoadedSample:
    """One image of a dataset on disk with its labels, in the renderer's conventions.

    Attributes:
        index: position in the dataset (0-based).
        name: file name or key relative to the dataset root.
        image: HWC uint8, RGB (C=3) or gray (C=1).
        class_names: names of the dataset's classes; ``category_ids`` and ``label`` index them.
        boxes: (n, 4) float32 XYXY pixels (x1, y1 exclusive, as ``ObjectLabel.bbox``).
        category_ids: (n,) int64, 0-based.
        label: class index of a classification set, else None.
        image_id: COCO image id, or the number in the file name (``000017.png`` -> 17) when every
            name of the set is a distinct number, else ``index``. For rendered sets it equals the
            sample index, so on-the-fly and on-disk samples line up.
        visibility: (n,) float32 visible / whole-object pixels; 1.0 where the source has none.
        keypoints: (n, k, 3) float32 x, y, COCO flag (0 absent, 1 hidden, 2 visible), or None
            when the set has no keypoints. Classes with fewer than k points are padded with 0s.
        meta: everything else the source records (``plan`` for rendered sets, ``iscrowd`` ...).
        mask_source: zero-argument callable decoding the (n, H, W) bool instance masks, or None.
    """

    index: int
    name: str
    image: np.ndarray
    class_names: tuple[str, ...] = ()
    boxes: np.ndarray = field(default_factory=empty_boxes)
    category_ids: np.ndarray = field(default_factory=empty_ids)
    label: int | None = None
    image_id: int = -1
    visibility: np.ndarray | None = None
    keypoints: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    mask_source: Callable[[], np.ndarray] | None = None

    def __post_init__(self) -> None:
        if self.image_id < 0:
            object.__setattr__(self, "image_id", self.index)
        if self.visibility is None:
            object.__setattr__(self, "visibility", np.ones(len(self.boxes), np.float32))

    @property
    def canvas_size(self) -> tuple[int, int]:
        """(height, width) in pixels."""
        return self.image.shape[0], self.image.shape[1]

    @property
    def has_masks(self) -> bool:
        """Whether instance masks are available (``masks()`` is not None)."""
        return self.mask_source is not None

    def masks(self) -> np.ndarray | None:
        """(n, H, W) bool instance masks, decoded now; None when the source has none."""
        return None if self.mask_source is None else self.mask_source()


@dataclass(frozen=True, eq=False)
class LoadedDataset(Sequence[LoadedSample]):
    """A dataset on disk: ``len``, ``ds[i]`` (reads and decodes item ``i``), iteration.

    Attributes:
        format: the format it was read as (``coco``, ``yolo``, ``imagefolder``, ...).
        root: the path it was loaded from.
        task: ``detection`` (boxes), ``classification`` (one label per image) or ``unlabeled``.
        class_names: class names in index order (empty for unlabeled sets).
        names: item names (relative paths or keys), in dataset order.
        entries: per-item data ``read`` needs (picklable, so DataLoader workers can hold it).
        read: ``read(dataset, i) -> LoadedSample``.
        keypoint_names: keypoint names per class, where the source has them.
        skipped: malformed items left out while loading (``on_error="skip"``), one line each.
    """

    format: str
    root: Path
    task: str
    class_names: tuple[str, ...]
    names: tuple[str, ...]
    entries: Sequence[Any]
    read: Callable[[LoadedDataset, int], LoadedSample]
    keypoint_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.names)

    @overload
    def __getitem__(self, i: int) -> LoadedSample: ...

    @overload
    def __getitem__(self, i: slice) -> list[LoadedSample]: ...

    def __getitem__(self, i: int | slice) -> LoadedSample | list[LoadedSample]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        k = int(i)
        if not -len(self) <= k < len(self):
            raise IndexError(f"index {i} out of range for a dataset of {len(self)} images")
        return self.read(self, k % len(self))

    def __iter__(self) -> Iterator[LoadedSample]:
        for k in range(len(self)):
            yield self.read(self, k)


def decode_file(path: Path) -> np.ndarray:
    """Read an image file as HWC uint8 RGB (C=3) or gray (C=1), keeping gray files gray."""
    try:
        data = np.fromfile(path, np.uint8)
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return decode_bytes(data.tobytes(), str(path))


def check_png(data: bytes, source: str) -> None:
    """Refuse a truncated or corrupt PNG (every chunk's CRC is checked, up to ``IEND``).

    libpng would refuse it too, but only after printing its own lines to stderr.
    """
    view, pos = memoryview(data), len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", view[pos: pos + 8])
        end = pos + 12 + length
        if end > len(data):
            break
        if zlib.crc32(view[pos + 4: end - 4]) != struct.unpack(">I", view[end - 4: end])[0]:
            name = kind.decode("latin-1")
            raise DatasetError(f"{source}: corrupt PNG (chunk {name!r} at byte {pos} fails its CRC)")
        if kind == b"IEND":
            return
        pos = end
    raise DatasetError(f"{source}: truncated PNG ({len(data)} bytes, no IEND chunk)")


def decode_bytes(data: bytes, source: str) -> np.ndarray:
    """Decode image bytes as HWC uint8 RGB or gray; alpha is dropped, 16-bit is scaled to 8."""
    if not data:
        raise DatasetError(f"{source}: empty file (0 bytes)")
    if data.startswith(PNG_SIGNATURE):
        check_png(data, source)
    try:
        pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        raise DatasetError(f"{source}: not a decodable image ({str(exc).strip()[:80]})") from None
    if pixels is None:
        raise DatasetError(f"{source}: not a decodable image (unknown format, truncated or corrupt)")
    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    if pixels.dtype != np.uint8 or pixels.size == 0:
        raise DatasetError(f"{source}: unsupported pixels ({pixels.dtype}, shape {pixels.shape}); "
                           "expected 8- or 16-bit integer images")
    if pixels.ndim == 2:
        return pixels[..., None]
    if pixels.shape[2] == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)


def list_images(folder: Path, recursive: bool = True) -> list[Path]:
    """Image files under ``folder`` in sorted relative-path order, hidden entries skipped."""
    pattern = "**/*" if recursive else "*"
    found = [p for p in folder.glob(pattern)
             if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def class_order(names: Sequence[str]) -> tuple[str, ...]:
    """Sort class names as the renderer does: numerically when all are digits, else by text."""
    if names and all(n.isdigit() for n in names):
        return tuple(sorted(names, key=lambda n: (int(n), n)))
    return tuple(sorted(names))


def image_ids(names: Sequence[str]) -> list[int]:
    """Ids from file stems when all are distinct numbers (``000017`` -> 17), else positions."""
    stems = [Path(n).name.split(".")[0] for n in names]
    if stems and all(s.isdigit() for s in stems):
        ids = [int(s) for s in stems]
        if len(set(ids)) == len(ids):
            return ids
    return list(range(len(names)))


def safe_relative(root: Path, rel: str, source: str) -> Path:
    """``root / rel``, refusing absolute names and ``..`` (an annotation file names the file)."""
    path = Path(rel)
    if path.is_absolute() or ".." in path.parts:
        raise DatasetError(f"{source}: file name {rel!r} leaves the dataset folder")
    return root / path
