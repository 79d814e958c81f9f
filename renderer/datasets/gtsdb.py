"""GTSDB layout (German Traffic Sign Detection Benchmark): ``gt.txt`` beside the images.

``gt.txt`` has one line per sign, ``00000.ppm;x1;y1;x2;y2;classId`` (leftCol;topRow;rightCol;
bottomRow, inclusive pixel coordinates; class ids 0-42 of GTSRB). The image of ``00000.ppm`` is
``00000.ppm`` or ``00000.jpg`` (or ``.png``) beside ``gt.txt`` or in ``images/``. Every image file
is an item, also those without a line (negatives, as in the benchmark). Class names are
``00``..``42``, the names of GTSRB's classes and of ``builtin:signs``, so classes match by name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from renderer.datasets.base import (
    DatasetError,
    LoadedDataset,
    LoadedSample,
    Problems,
    decode_file,
    image_ids,
    list_images,
)
from renderer.datasets.gtsrb import N_CLASSES

ANNOTATIONS = "gt.txt"
CLASS_NAMES = tuple(f"{k:02d}" for k in range(N_CLASSES))

Box = tuple[float, float, float, float, int]


def _parse(line: str, where: str) -> tuple[str, Box]:
    parts = line.strip().split(";")
    if len(parts) != 6:
        raise DatasetError(f"{where}: expected 'file;x1;y1;x2;y2;classId', got {line.strip()!r}")
    try:
        x1, y1, x2, y2 = (float(v) for v in parts[1:5])
        class_id = int(parts[5])
    except ValueError:
        raise DatasetError(f"{where}: coordinates and classId must be numbers") from None
    if not 0 <= class_id < N_CLASSES:
        raise DatasetError(f"{where}: classId {class_id} is not in 0..{N_CLASSES - 1}")
    if x2 < x1 or y2 < y1 or min(x1, y1) < 0:
        raise DatasetError(f"{where}: box ({x1:g}, {y1:g}, {x2:g}, {y2:g}) is not a box")
    return Path(parts[0]).stem, (x1, y1, x2 + 1, y2 + 1, class_id)  # inclusive -> exclusive


def is_gtsdb(path: Path) -> bool:
    """Whether ``path`` looks like a GTSDB folder (``gt.txt`` whose first line parses)."""
    gt = path / ANNOTATIONS
    if not gt.is_file():
        return False
    try:
        with gt.open(encoding="ascii") as handle:
            first = handle.readline()
        _parse(first, "")
    except (OSError, UnicodeDecodeError, DatasetError):
        return False
    return True


def load_gtsdb(path: Path, problems: Problems | None = None) -> LoadedDataset:
    """Read a GTSDB folder (``gt.txt`` + images; see the module docstring).

    Args:
        path: the folder holding ``gt.txt``.
        problems: where malformed lines go (default: the first one raises).
    """
    problems = problems or Problems()
    gt = path / ANNOTATIONS
    try:
        text = gt.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{gt}: cannot read as text: {exc}") from None
    boxes: dict[str, list[Box]] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            stem, box = _parse(line, f"{gt} line {lineno}")
        except DatasetError as exc:
            problems.report(exc)
            continue
        boxes.setdefault(stem, []).append(box)
    folder = path / "images" if (path / "images").is_dir() else path
    files: dict[str, Path] = {}
    for file in list_images(folder, recursive=False):  # sorted: 00000.jpg before 00000.ppm
        files.setdefault(file.stem, file)
    for stem in sorted(set(boxes) - set(files)):
        problems.report(DatasetError(f"{gt}: no image file for {stem} in {folder}"))
        del boxes[stem]
    stems = sorted(files)
    names = tuple(files[s].relative_to(path).as_posix() for s in stems)
    entries = tuple((files[s], tuple(boxes.get(s, ())), image_id)
                    for s, image_id in zip(stems, image_ids(list(names)), strict=True))
    return LoadedDataset(format="gtsdb", root=path, task="detection", class_names=CLASS_NAMES,
                         names=names, entries=entries, read=_read)


def _read(ds: LoadedDataset, i: int) -> LoadedSample:
    file, boxes, image_id = ds.entries[i]
    image = decode_file(file)
    array = np.array([b[:4] for b in boxes], np.float32).reshape(-1, 4)
    height, width = image.shape[:2]
    if len(array) and (array[:, 2].max() > width + 1 or array[:, 3].max() > height + 1):
        raise DatasetError(f"{file}: a box of gt.txt reaches outside the {width}x{height} image")
    return LoadedSample(index=i, name=ds.names[i], image=image, class_names=ds.class_names,
                        boxes=np.minimum(array, [width, height, width, height]).astype(np.float32),
                        category_ids=np.array([b[4] for b in boxes], np.int64), image_id=image_id)
