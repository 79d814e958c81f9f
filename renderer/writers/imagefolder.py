"""ImageFolder for classification scenes: ``OUT/<class name>/<index>.<ext>``.

Folder names are the class names, so torchvision's ``ImageFolder`` (which sorts them) gives
``00``..``42`` or ``0``..``9`` the class index equal to their number.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from renderer.io import OutputError, image_name, write_bytes_atomic
from renderer.sample import Sample
from renderer.writers.base import WRITERS, DatasetInfo

SAFE_CLASS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.+-]{0,127}$")


def check_class_folders(names: tuple[str, ...]) -> None:
    """Refuse class names that are unsafe or ambiguous as folder names."""
    bad = [n for n in names if not SAFE_CLASS.match(n) or n in (".", "..")]
    if bad:
        raise OutputError(f"class names {bad!r} cannot be ImageFolder folder names "
                          "(letters, digits, space, _ . + - only)")


@WRITERS.register("imagefolder")
class ImageFolderWriter:
    """Writes one file per image into its class folder."""

    shard_files: ClassVar[bool] = False

    def __init__(self, out: Path, info: DatasetInfo, shard: int) -> None:
        if info.task != "classification":
            raise OutputError("--format imagefolder needs a classification scene (task: classification)")
        check_class_folders(info.class_names)
        self.out, self.info = out, info

    def open(self) -> None:
        for name in self.info.class_names:
            (self.out / name).mkdir(parents=True, exist_ok=True)

    def write(self, sample: Sample, image: bytes) -> list[tuple[str, bytes]]:
        if sample.label is None:
            raise OutputError(f"sample {sample.index} has no visible labeled object to classify")
        rel = f"{sample.class_names[sample.label]}/{image_name(sample.index, self.info.image_format)}"
        write_bytes_atomic(self.out / rel, image)
        return [(rel, image)]

    def close(self) -> None:
        """Nothing buffered: every file is already final."""

    @staticmethod
    def finalize(out: Path, info: DatasetInfo, shards: list[int]) -> None:
        """Nothing to merge: the folder layout is the label."""
