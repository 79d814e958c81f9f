"""``load(path)``: read any supported dataset, guessing its format from what the folder holds."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from renderer.datasets.base import IMAGE_SUFFIXES, DatasetError, LoadedDataset, OnError, Problems
from renderer.datasets.folder import class_folders
from renderer.datasets.gtsdb import is_gtsdb
from renderer.datasets.loaders import LOADERS
from renderer.datasets.mnist import IMAGES as MNIST_IMAGES
from renderer.datasets.mnist import image_files
from renderer.datasets.rendered import read_manifest

# Every reader module registers its format in LOADERS when imported (see datasets/loaders.py).
from renderer.datasets import coco, gtsdb, gtsrb, webdataset, yolo  # noqa: F401  isort: skip


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
    if manifest and manifest.get("format") in LOADERS.names():
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
    if name not in LOADERS.names():
        raise DatasetError(f"unknown dataset format {name!r}; expected one of "
                           f"{', '.join(sorted(LOADERS.names()))}")
    loader = LOADERS.get(name)
    if not loader.itemwise:
        return loader.read(path)
    return replace(loader.read(path, problems), skipped=tuple(problems.items))
