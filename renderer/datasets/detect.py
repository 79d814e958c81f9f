"""``load(path)``: read any supported dataset, guessing its format from what the folder holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from renderer.datasets.base import IMAGE_SUFFIXES, DatasetError, LoadedDataset, OnError, Problems
from renderer.datasets.coco import load_coco
from renderer.datasets.folder import class_folders, load_imagefolder, load_images
from renderer.datasets.gtsdb import is_gtsdb, load_gtsdb
from renderer.datasets.gtsrb import load_gtsrb
from renderer.datasets.mnist import IMAGES as MNIST_IMAGES
from renderer.datasets.mnist import image_files, load_mnist
from renderer.datasets.rendered import read_manifest
from renderer.datasets.webdataset import load_webdataset
from renderer.datasets.yolo import load_yolo

LOADERS: dict[str, Callable[..., LoadedDataset]] = {
    "coco": load_coco,
    "yolo": load_yolo,
    "imagefolder": load_imagefolder,
    "webdataset": load_webdataset,
    "mnist": load_mnist,
    "gtsrb": load_gtsrb,
    "gtsdb": load_gtsdb,
    "images": load_images,
}
# Loaders that check annotations item by item while loading and take a ``Problems``; the
# others' items fail only when read (see ``to_eval_set``).
ITEMWISE = frozenset({"coco", "yolo", "gtsrb", "gtsdb"})


def _has_images(folder: Path, recursive: bool = False) -> bool:
    """Whether ``folder`` holds an image file (stops at the first one found)."""
    pattern = "**/*" if recursive else "*"
    return any(p.suffix.lower() in IMAGE_SUFFIXES and p.is_file() for p in folder.glob(pattern))


def _detect_file(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".tar"):
        return "webdataset"
    if name.endswith(".json"):
        return "coco"
    if MNIST_IMAGES.match(path.name):
        return "mnist"
    if name.startswith("gt-") and name.endswith(".csv"):
        return "gtsrb"
    raise DatasetError(f"{path}: cannot tell the dataset format of this file; pass format=")


def detect_format(path: Path) -> str:
    """Name of the format of ``path`` (a folder, or a single annotation / tar / idx file).

    Checked in order: synth's ``manifest.json``; ``annotations.json`` (COCO); ``*.tar``
    (WebDataset); ``data.yaml`` or ``images/`` + ``labels/`` (YOLO); ``*-images-idx3-ubyte``
    (MNIST); ``GT-*.csv`` up to two folders down (GTSRB); ``gt.txt`` (GTSDB); class
    subfolders of images (ImageFolder); else a plain image folder.
    """
    if path.is_file():
        return _detect_file(path)
    manifest = read_manifest(path)
    if manifest and manifest.get("format") in LOADERS:
        return str(manifest["format"])
    if (path / "annotations.json").is_file() or any((path / "annotations").glob("*.json")):
        return "coco"
    if any(path.glob("*.tar")):
        return "webdataset"
    if ((path / "data.yaml").is_file() or (path / "dataset.yaml").is_file()
            or ((path / "images").is_dir() and (path / "labels").is_dir())):
        return "yolo"
    if image_files(path):
        return "mnist"
    if any(next(path.glob(p), None) for p in ("GT-*.csv", "*/GT-*.csv", "*/*/GT-*.csv")):
        return "gtsrb"
    if is_gtsdb(path):
        return "gtsdb"
    folders = class_folders(path)
    if folders and not _has_images(path) and any(_has_images(path / f, True) for f in folders):
        return "imagefolder"
    return "images"


def load(path: str | Path, format: str | None = None, on_error: OnError = "stop") -> LoadedDataset:
    """Read a rendered or real dataset as a sequence of ``LoadedSample`` in a fixed order.

    Example::

        from renderer.datasets import load
        real = load("data/mnist-test")            # format detected: mnist
        sample = real[0]                          # image (28, 28, 1) uint8, label 7
        synth = load("out/quickstart")            # synth's COCO output: boxes, masks, plans

    Args:
        path: dataset folder, or one annotation file / tar / idx file.
        format: one of ``coco, yolo, imagefolder, webdataset, mnist, gtsrb, gtsdb, images``; None
            guesses from the folder's contents (see ``detect_format``).
        on_error: ``stop`` raises on the first malformed item; ``skip`` warns, leaves it out
            and lists it in the result's ``skipped``.

    Raises:
        DatasetError: the path is missing, the format unknown, or (``stop``) an annotation
            malformed (the message names the file and the line or field).
    """
    problems = Problems(on_error)
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    name = format or detect_format(path)
    if name not in LOADERS:
        raise DatasetError(f"unknown dataset format {name!r}; expected one of {', '.join(LOADERS)}")
    if name not in ITEMWISE:
        return LOADERS[name](path)
    return replace(LOADERS[name](path, problems), skipped=tuple(problems.items))
