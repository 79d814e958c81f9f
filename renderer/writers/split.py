"""Split output for formats that keep one dataset per folder: ``OUT/<split>/`` each a whole set.

With ``--split train=0.9,val=0.1``, COCO writes ``OUT/train/{images/, annotations.json}`` and
``OUT/val/...``; ImageFolder ``OUT/train/<class>/...``; WebDataset ``OUT/train/shard-*.tar``. A
format whose own convention places splits differently (YOLO: ``images/train``) sets
``splits_itself = True`` and reads ``info.split`` itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from renderer.sample import Sample
from renderer.writers.base import WRITERS, DatasetInfo, Writer


def writer_class(name: str, info: DatasetInfo) -> type[Writer]:
    """The writer of format ``name`` for this run: itself, or split into per-split folders."""
    cls = WRITERS.get(name)
    if info.split is None or getattr(cls, "splits_itself", False):
        return cls
    return _split_folders(cls)


def _split_folders(inner: type[Writer]) -> type[Writer]:
    class SplitFolders:
        """One ``inner`` writer per split, each in ``out/<split>``; samples routed by index."""

        shard_files: ClassVar[bool] = inner.shard_files
        default_shard_size: ClassVar[int | None] = getattr(inner, "default_shard_size", None)

        def __init__(self, out: Path, info: DatasetInfo, shard: int) -> None:
            assert info.split is not None
            self.split = info.split
            self.writers = {name: inner(out / name, info, shard) for name in info.split.names}

        def open(self) -> None:
            for writer in self.writers.values():
                writer.open()

        def write(self, sample: Sample, image: bytes) -> list[tuple[str, bytes]]:
            name = self.split.of(sample.index)
            return [(f"{name}/{rel}", data) for rel, data in self.writers[name].write(sample, image)]

        def close(self) -> None:
            for writer in self.writers.values():
                writer.close()

        @staticmethod
        def finalize(out: Path, info: DatasetInfo, shards: list[int]) -> None:
            assert info.split is not None
            for name in info.split.names:
                inner.finalize(out / name, info, shards)

    SplitFolders.__name__ = SplitFolders.__qualname__ = f"SplitFolders[{inner.__name__}]"
    return SplitFolders
