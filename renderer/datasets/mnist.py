"""MNIST-style IDX files (``t10k-images-idx3-ubyte[.gz]`` + ``t10k-labels-idx1-ubyte[.gz]``).

Also reads Fashion-MNIST, KMNIST and EMNIST files, which share the format. Pass the folder when
it holds one split, or the images file to choose among several. Images are 28x28x1 uint8 with
ink bright, as stored; class names are ``0``..``N-1``.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np

from renderer.datasets.base import DatasetError, LoadedDataset, LoadedSample
from renderer.datasets.loaders import register_loader

IMAGES = re.compile(r"^(?P<prefix>.+)-images-idx3-ubyte(\.gz)?$")
MAX_BYTES = 2_000_000_000


def image_files(folder: Path) -> list[Path]:
    """IDX image files in ``folder``, sorted."""
    return sorted(p for p in folder.iterdir() if IMAGES.match(p.name) and p.is_file())


def read_idx(path: Path, dims: int) -> np.ndarray:
    """Read an IDX file of unsigned bytes with ``dims`` dimensions (checks magic and size)."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise DatasetError(f"{path}: cannot read: {exc}") from None
    if len(data) > MAX_BYTES:
        raise DatasetError(f"{path}: larger than {MAX_BYTES} bytes")
    header = 4 + 4 * dims
    if len(data) < header or data[:3] != b"\0\0\x08" or data[3] != dims:
        raise DatasetError(f"{path}: not an IDX file of unsigned bytes with {dims} dimension(s) "
                           f"(magic 0x0000080{dims})")
    shape = tuple(int.from_bytes(data[4 + 4 * k: 8 + 4 * k], "big") for k in range(dims))
    if len(data) - header != int(np.prod(shape)):
        raise DatasetError(f"{path}: header says {shape} ({int(np.prod(shape))} bytes) but "
                           f"{len(data) - header} bytes follow")
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape)


def _pick(path: Path) -> Path:
    if path.is_file():
        return path
    found = image_files(path)
    if len(found) != 1:
        listed = ", ".join(p.name for p in found) or "none"
        raise DatasetError(f"{path}: expected one *-images-idx3-ubyte[.gz] file, found {listed}; "
                           "pass the images file of the split you want")
    return found[0]


@register_loader("mnist")
def load_mnist(path: Path) -> LoadedDataset:
    """Read an IDX images file and its labels file into a classification set."""
    images_path = _pick(path)
    match = IMAGES.match(images_path.name)
    if not match:
        raise DatasetError(f"{images_path}: not named *-images-idx3-ubyte[.gz]")
    prefix = match.group("prefix")
    candidates = [images_path.parent / f"{prefix}-labels-idx1-ubyte{ext}" for ext in (".gz", "")]
    labels_path = next((p for p in candidates if p.is_file()), None)
    if labels_path is None:
        raise DatasetError(f"{images_path}: no {prefix}-labels-idx1-ubyte[.gz] beside it")
    images = read_idx(images_path, 3)
    labels = read_idx(labels_path, 1)
    if len(images) != len(labels):
        raise DatasetError(f"{labels_path}: {len(labels)} labels for {len(images)} images")
    names = tuple(str(k) for k in range(int(labels.max(initial=9)) + 1))
    return LoadedDataset(format="mnist", root=path, task="classification", class_names=names,
                         names=tuple(f"{prefix}/{k:05d}" for k in range(len(images))),
                         entries=_Arrays(images, labels), read=_read)


class _Arrays:
    """Images and labels behind the ``entries`` sequence interface."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.images, self.labels = images, labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        return self.images[i], int(self.labels[i])


def _read(ds: LoadedDataset, i: int) -> LoadedSample:
    image, label = ds.entries[i]
    return LoadedSample(index=i, name=ds.names[i], image=image[..., None].copy(),
                        class_names=ds.class_names, label=label)
