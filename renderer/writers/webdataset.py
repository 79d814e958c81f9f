"""WebDataset: tar shards ``shard-000000.tar``, ``shard-000001.tar``... for streaming training.

Each tar holds ``--shard-size`` samples (WebDataset's ``maxcount``, default 1000), in index
order. A sample is the group of members sharing its key, the zero-padded index (``000017``):

- ``000017.jpg`` (or ``.png``): the image;
- ``000017.json``: labels and plan, below;
- ``000017.cls``: the class index as ASCII digits (classification scenes only).

The JSON::

    {"index": 17, "width": 640, "height": 480, "image_format": "jpg", "spec_hash": "...",
     "label": null, "bbox_format": "XYXY",
     "objects": [{"object_id": 1, "category_id": 0, "class_name": "circle",
                  "bbox": [x1, y1, x2, y2], "amodal_bbox": [...], "area": 812,
                  "amodal_area": 900, "visibility": 0.902222, "truncated": false, "depth": 0,
                  "layer": "shapes", "segmentation": {"size": [h, w], "counts": "..."},
                  "amodal_segmentation": {...}, "keypoints": [[x, y, v], ...]}],
     "plan": {...}}

Boxes are pixel XYXY floats (x2/y2 exclusive), ``category_id`` is 0-based into the manifest's
``class_names``, masks are COCO compressed RLE (``pycocotools.mask.decode``), keypoints carry
COCO visibility flags and appear only for classes that have keypoints.

Tars are written to a temporary name and renamed when complete. Their bytes depend only on the
samples: fixed mtime, owner and mode, members in index order and sorted within a sample.
Select it with ``synth render SPEC -o OUT --format webdataset [--shard-size 1000]``.
"""

from __future__ import annotations

import contextlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any, ClassVar

from renderer.io import OutputError, open_atomic
from renderer.sample import BOX_FORMAT, Sample
from renderer.writers.base import WRITERS, DatasetInfo
from renderer.writers.object_labels import object_fields

MEMBER_MODE = 0o644
MEMBER_MTIME = 0  # fixed, so reruns write identical bytes


def tar_name(shard: int) -> str:
    """File name of shard ``shard``'s tar."""
    return f"shard-{shard:06d}.tar"


def sample_key(index: int) -> str:
    """WebDataset key of sample ``index`` (zero-padded to 6 digits, more when needed)."""
    return f"{index:06d}"


def sample_json(sample: Sample, info: DatasetInfo) -> dict[str, Any]:
    """The ``.json`` member of one sample: every label, and the plan that made it."""
    height, width = sample.instance_map.shape
    return {"index": sample.index, "width": width, "height": height,
            "image_format": info.image_format, "spec_hash": sample.plan.get("spec_hash"),
            "label": sample.label, "bbox_format": BOX_FORMAT,
            "objects": object_fields(sample, info),
            "plan": sample.plan}


def _member(name: str, size: int) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.size, member.mtime, member.mode = size, MEMBER_MTIME, MEMBER_MODE
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    return member


@WRITERS.register("webdataset")
class WebDatasetWriter:
    """Writes one tar per shard; nothing to merge at the end."""

    shard_files: ClassVar[bool] = True
    default_shard_size: ClassVar[int] = 1000

    def __init__(self, out: Path, info: DatasetInfo, shard: int) -> None:
        self.out, self.info, self.shard = out, info, shard
        self.name = tar_name(shard)
        self._files = contextlib.ExitStack()
        self._tar: tarfile.TarFile | None = None

    def open(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        handle = self._files.enter_context(open_atomic(self.out / self.name, "wb"))
        # USTAR: no PAX headers (which could carry times or names of this machine).
        self._tar = self._files.enter_context(
            tarfile.TarFile(fileobj=handle, mode="w", format=tarfile.USTAR_FORMAT))

    def write(self, sample: Sample, image: bytes) -> list[tuple[str, bytes]]:
        if self._tar is None:
            raise OutputError("WebDatasetWriter.write called before open")
        key = sample_key(sample.index)
        members = {f"{key}.{self.info.image_format}": image,
                   f"{key}.json": json.dumps(sample_json(sample, self.info),
                                             separators=(",", ":")).encode("utf-8")}
        if self.info.task == "classification":
            if sample.label is None:
                raise OutputError(f"sample {sample.index} has no visible labeled object to classify")
            members[f"{key}.cls"] = str(sample.label).encode("ascii")
        for name in sorted(members):
            self._tar.addfile(_member(name, len(members[name])), io.BytesIO(members[name]))
        return [(f"{self.name}/{name}", members[name]) for name in sorted(members)]

    def close(self) -> None:
        # Closes the tar (end-of-archive blocks), then renames the temporary file: complete.
        self._files.close()
        self._tar = None

    @staticmethod
    def finalize(out: Path, info: DatasetInfo, shards: list[int]) -> None:
        """Nothing to merge: each shard's tar is final when its shard is done."""
