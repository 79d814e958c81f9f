"""Folders of images: ImageFolder (``<class>/<image>``) and plain, unlabeled image folders.

ImageFolder classes are the subfolder names. A synth output keeps the rendered class order (its
``manifest.json``); otherwise names sort as the renderer sorts them: numerically when all are
digits (``0``..``9``, ``00``..``42``; the same as torchvision's ``ImageFolder`` for these), else
alphabetically. Items are ordered by class, then by path, as torchvision orders them.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from renderer.datasets.base import (
    DatasetError,
    LoadedDataset,
    LoadedSample,
    class_order,
    decode_file,
    image_ids,
    list_images,
)
from renderer.datasets.loaders import register_loader
from renderer.datasets.rendered import plan_index, read_manifest


def class_folders(path: Path) -> list[str]:
    """Names of the non-hidden subfolders of ``path``."""
    return [p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]


@register_loader("imagefolder")
def load_imagefolder(path: Path) -> LoadedDataset:
    """Read ``path/<class>/**/<image>`` as a classification set."""
    folders = class_folders(path)
    manifest = read_manifest(path)
    names = class_order(folders)
    if manifest and isinstance(manifest.get("class_names"), list):
        names = tuple(str(n) for n in manifest["class_names"])
        unknown = sorted(set(folders) - set(names))
        if unknown:
            raise DatasetError(f"{path / 'manifest.json'}: class_names lack the folders {unknown}")
    files: list[tuple[Path, int]] = []
    for label, name in enumerate(names):
        if (path / name).is_dir():
            files.extend((f, label) for f in list_images(path / name))
    if not files:
        raise DatasetError(f"{path}: no images in any class folder")
    rel = [f.relative_to(path).as_posix() for f, _ in files]
    entries = tuple((f, label, image_id)
                    for (f, label), image_id in zip(files, image_ids(rel), strict=True))
    return LoadedDataset(format="imagefolder", root=path, task="classification", class_names=names,
                         names=tuple(rel), entries=entries, read=partial(_read, plan_index(path)))


@register_loader("images")
def load_images(path: Path) -> LoadedDataset:
    """Read every image under ``path`` (recursively, sorted by path) without labels."""
    files = list_images(path)
    if not files:
        raise DatasetError(f"{path}: no image files found")
    rel = [f.relative_to(path).as_posix() for f in files]
    entries = tuple((f, None, image_id) for f, image_id in zip(files, image_ids(rel), strict=True))
    return LoadedDataset(format="images", root=path, task="unlabeled", class_names=(),
                         names=tuple(rel), entries=entries, read=partial(_read, None))


def _read(plans: Any, ds: LoadedDataset, i: int) -> LoadedSample:
    file, label, image_id = ds.entries[i]
    meta = {"plan": plans.get(image_id)} if plans is not None else {}
    return LoadedSample(index=i, name=ds.names[i], image=decode_file(file),
                        class_names=ds.class_names, label=label, image_id=image_id, meta=meta)
