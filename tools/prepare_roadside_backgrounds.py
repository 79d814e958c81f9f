"""Cut object-free patches from real labeled photos beside their objects, to use as backgrounds.

A 32x32 GTSRB photo is a traffic sign with a margin of roadside around it: sky, foliage, facades,
posts, often blown out or in shade. This tool cuts square patches from the photos of a detection
set (any format ``synth`` reads; the bundled ``builtin:roadside`` came from GTSDB road scenes,
the same kind of car-camera frames) next to where labeled objects stand, never overlapping a
labeled box, and writes them as small JPEGs for a ``kind: images`` background
(``tools/prepare_assets.py --only roadside`` makes the bundled folder with this code)::

    python tools/prepare_roadside_backgrounds.py [--real ../shared/data/gtsdb-dev] \
        [--per-image 3] [--size 48] [--seed 0] [-o roadside/]

Patch sides follow the labeled boxes (an object's longer side times 1.1-1.6, like a GTSRB crop
with its margin), centred one to three patch sides beside a labeled object, left, right, above
or below. The output is deterministic for a given input set and seed. Do not use the patches in
a scene that is scored on the same photos (for GTSDB: ``tools/street_signs_check.py``): they are
cut from them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from renderer.datasets import load  # noqa: E402
from renderer.datasets.base import DatasetError, LoadedDataset  # noqa: E402
from renderer.evaluate.preprocess import to_rgb  # noqa: E402

DEFAULT_REAL = ROOT.parent / "shared" / "data" / "gtsdb-dev"
Box = tuple[int, int, int, int]
# The bundled builtin:roadside's settings, and the command line's defaults.
PER_IMAGE = 3
SIZE_PX = 48
JPEG_QUALITY = 90


def overlaps(patch: Box, boxes: list[Box], pad: int) -> bool:
    """Whether the patch (inclusive pixel corners) touches any box grown by ``pad`` pixels."""
    px1, py1, px2, py2 = patch
    return any(px1 <= x2 + pad and px2 >= x1 - pad and py1 <= y2 + pad and py2 >= y1 - pad
               for x1, y1, x2, y2 in boxes)


def patches_for(image_shape: tuple[int, int], boxes: list[Box], count: int,
                rng: np.random.Generator, tries: int = 200) -> list[Box]:
    """Up to ``count`` object-free square patches beside the image's labeled boxes.

    Boxes and patches are ``(x1, y1, x2, y2)`` with inclusive pixel corners.
    """
    height, width = image_shape
    found: list[Box] = []
    if not boxes:
        return found
    for _ in range(tries):
        if len(found) == count:
            break
        x1, y1, x2, y2 = boxes[rng.integers(len(boxes))]
        side = int(round(max(x2 - x1, y2 - y1) * rng.uniform(1.1, 1.6)))
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        angle = rng.choice([0.0, 0.5, 1.0, 1.5]) * np.pi + rng.uniform(-0.4, 0.4)
        distance = side * rng.uniform(1.0, 3.0)
        px = int(round(cx + np.cos(angle) * distance - side / 2))
        py = int(round(cy + np.sin(angle) * distance - side / 2))
        patch = (px, py, px + side - 1, py + side - 1)
        if px < 0 or py < 0 or patch[2] >= width or patch[3] >= height:
            continue
        # Never within 2 px of a labeled object; patches of one photo may share up to half a side
        # (a negative pad), since the roadside next to a sign is narrow.
        if overlaps(patch, boxes, pad=2) or overlaps(patch, found, pad=-side // 2):
            continue
        found.append(patch)
    return found


def write_patches(real: LoadedDataset, out: Path, per_image: int = PER_IMAGE, size: int = SIZE_PX,
                  quality: int = JPEG_QUALITY, seed: int = 0, prefix: str = "") -> list[Path]:
    """Cut ``per_image`` patches beside the boxes of every photo of ``real`` into ``out``.

    Each patch is resized to ``size`` x ``size`` px (area filter) and written as
    ``<prefix><photo stem>-<k>.jpg`` at JPEG ``quality``. Returns the files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for sample in real:
        # Inclusive corners: a loader's x2, y2 are exclusive.
        boxes = [(int(x1), int(y1), int(np.ceil(x2)) - 1, int(np.ceil(y2)) - 1)
                 for x1, y1, x2, y2 in sample.boxes.tolist()]
        # One generator per photo, so a patch never depends on the photos before it.
        rng = np.random.default_rng([seed, sample.index])
        image = to_rgb(sample.image)
        stem = Path(sample.name).stem
        for k, (x1, y1, x2, y2) in enumerate(patches_for(image.shape[:2], boxes, per_image, rng)):
            patch = cv2.resize(image[y1:y2 + 1, x1:x2 + 1], (size, size), interpolation=cv2.INTER_AREA)
            path = out / f"{prefix}{stem}-{k}.jpg"
            cv2.imwrite(str(path), cv2.cvtColor(patch, cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, quality])
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL,
                        help="labeled photos: a detection set in any format synth reads")
    parser.add_argument("--per-image", type=int, default=PER_IMAGE, help="patches per photo")
    parser.add_argument("--size", type=int, default=SIZE_PX, help="side of the written patches, pixels")
    parser.add_argument("--quality", type=int, default=JPEG_QUALITY, help="JPEG quality of the patches")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prefix", default="", help="prepended to every patch's file name")
    parser.add_argument("-o", "--out", type=Path, default=Path("roadside"), help="output folder")
    args = parser.parse_args(argv)
    try:
        real = load(args.real)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if real.task != "detection":
        print(f"error: {args.real} is a {real.task} set; patches need labeled boxes", file=sys.stderr)
        return 2
    written = write_patches(real, args.out, args.per_image, args.size, args.quality, args.seed,
                            args.prefix)
    print(f"wrote {len(written)} patches of {args.size}x{args.size} px from {len(real)} photos "
          f"to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
