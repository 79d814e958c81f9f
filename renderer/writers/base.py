"""Contract of a dataset writer, and the information every writer receives.

Rendering is split into shards (index ranges). A writer instance writes one shard: ``open``,
``write(sample, image_bytes)`` per sample, ``close`` (part files, atomically). ``finalize``
merges the parts of all shards into the format's final files, streaming, so memory stays flat
however many images there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from renderer.registry import Registry
from renderer.sample import Sample
from renderer.splits import Split

PARTS_DIR = ".synth/parts"


@dataclass(frozen=True)
class DatasetInfo:
    """What writers need to know about the run."""

    class_names: tuple[str, ...]
    keypoint_names: dict[str, tuple[str, ...]]
    image_format: str
    task: str
    gray: bool
    semantic_mask: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    split: Split | None = None  # --split: which split each index goes to (None: one set)


class Writer(Protocol):
    """A writer of one shard of one format."""

    shard_files: ClassVar[bool]  # True when a shard is itself a final file (WebDataset tars)
    # Optional ``splits_itself: ClassVar[bool]``: True when the format lays out ``info.split``
    # itself (YOLO); otherwise each split is a folder of its own (see ``writers/split.py``).

    def __init__(self, out: Path, info: DatasetInfo, shard: int) -> None: ...

    def open(self) -> None: ...

    def write(self, sample: Sample, image: bytes) -> list[tuple[str, bytes]]: ...

    def close(self) -> None: ...

    @staticmethod
    def finalize(out: Path, info: DatasetInfo, shards: list[int]) -> None: ...


WRITERS: Registry[type[Writer]] = Registry("format")


def part_path(out: Path, name: str, shard: int) -> Path:
    """Path of a shard's part file ``name`` (e.g. ``coco``) under ``.synth/parts``."""
    return out / PARTS_DIR / f"{name}-{shard:06d}.jsonl"
