"""GTSDB layout (German Traffic Sign Detection Benchmark): one ``gt.txt`` beside the images.

``gt.txt`` holds one line per sign, ``NNNNN.ppm;x1;y1;x2;y2;classId`` (leftCol;topRow;rightCol;
bottomRow, inclusive pixels). Every image of the folder (or of its ``images/`` sub-folder) is an
item, with or without signs: images without a line are the benchmark's negatives. A line names
its image by stem, so converted copies (``NNNNN.jpg`` for ``NNNNN.ppm``) read alike. Boxes become
XYXY pixels with exclusive x2/y2; class names are ``00``..``42`` (class index == classId).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from renderer.datasets.base import (
    IMAGE_SUFFIXES,
    DatasetError,
    LoadedDataset,
    LoadedSample,
    Problems,
    decode_file,
)

N_CLASSES = 43
GT_FILE = "gt.txt"

Entry = tuple[Path, np.ndarray, np.ndarray]  # image, (k, 4) boxes, (k,) class ids


def image_folder(path: Path) -> Path:
    """Where the images of a GTSDB folder lie: ``images/`` when present, else beside gt.txt."""
    return path / "images" if (path / "images").is_dir() else path


def _parse(line: str, where: str) -> tuple[str, list[float], int]:
    parts = line.strip().split(";")
    if len(parts) != 6:
        raise DatasetError(f"{where}: expected 'file;x1;y1;x2;y2;classId', got {line.strip()!r}")
    try:
        x1, y1, x2, y2, class_id = (int(p) for p in parts[1:])
    except ValueError:
        raise DatasetError(f"{where}: x1;y1;x2;y2;classId must be integers") from None
    if not 0 <= class_id < N_CLASSES:
        raise DatasetError(f"{where}: classId {class_id} is not in 0..{N_CLASSES - 1}")
    if x2 < x1 or y2 < y1:
        raise DatasetError(f"{where}: box {x1},{y1},{x2},{y2} has x2 < x1 or y2 < y1")
    return Path(parts[0]).stem, [x1, y1, x2 + 1, y2 + 1], class_id


def load_gtsdb(path: Path, problems: Problems | None = None) -> LoadedDataset:
    """Read a GTSDB folder: its ``gt.txt`` and every image beside it (or under ``images/``).

    Args:
        path: the folder holding ``gt.txt``.
        problems: where malformed lines go (default: the first one raises).
    """
    problems = problems or Problems()
    gt = path / GT_FILE
    try:
        lines = gt.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{gt}: cannot read: {exc}") from None
    folder = image_folder(path)
    images = {p.stem: p for p in sorted(folder.iterdir())
              if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()}
    boxes: dict[str, list[tuple[list[float], int]]] = {stem: [] for stem in images}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{gt} line {lineno}"
        try:
            stem, box, class_id = _parse(line, where)
            if stem not in images:
                raise DatasetError(f"{where}: no image {stem}.* in {folder}")
        except DatasetError as exc:
            problems.report(exc)
            continue
        boxes[stem].append((box, class_id))
    if not images:
        raise DatasetError(f"{folder}: no image beside {GT_FILE}")
    stems = sorted(images)
    entries = tuple((images[s], np.array([b for b, _ in boxes[s]], np.float32).reshape(-1, 4),
                     np.array([c for _, c in boxes[s]], np.int64)) for s in stems)
    return LoadedDataset(format="gtsdb", root=path, task="detection",
                         class_names=tuple(f"{k:02d}" for k in range(N_CLASSES)),
                         names=tuple(images[s].relative_to(path).as_posix() for s in stems),
                         entries=entries, read=_read)


def _read(ds: LoadedDataset, i: int) -> LoadedSample:
    file, boxes, classes = ds.entries[i]
    return LoadedSample(index=i, name=ds.names[i], image=decode_file(file),
                        class_names=ds.class_names, boxes=boxes.copy(), category_ids=classes.copy())
