"""Regenerate the bundled sign templates, example cutouts, background photographs and roadside patches.

Everything written here is derived deterministically (no randomness, fixed encoder settings) from
sources that are either in the shared data folder (sign templates, GTSDB road photos) or ship on disk inside
installed packages (scikit-image and scikit-learn sample photographs), so a rerun gives the same
bytes with the same package versions. Fonts are copied by hand; see ``assets/MANIFEST.md``.

Usage::

    python tools/prepare_assets.py                     # all four parts, shared data at ../shared
    python tools/prepare_assets.py --shared /data/shared --only signs
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage as ndi
from skimage import data as skdata
from skimage import filters, measure, segmentation
from sklearn.datasets import load_sample_image

REPO_ROOT = Path(__file__).resolve().parents[1]
SIGN_CLASSES = 43
BACKGROUND_MAX_SIDE_PX = 640
BACKGROUND_JPEG_QUALITY = 90
SIGN_TEMPLATES = Path("data") / "gtsrb-sign-templates"
ROAD_PHOTOS = Path("data") / "gtsdb-dev"
SKIMAGE_DATA = "scikit-image `skimage.data.{}()`"


@dataclass(frozen=True)
class PhotoSource:
    """One photograph that ships with an installed package.

    Attributes:
        name: output file stem.
        load: returns the image as a uint8 array, HxW (gray) or HxWx3 (RGB).
        origin: package and function or file the pixels come from.
        license: licence identifier as stated by the shipping package.
        attribution: author / provenance as stated by the shipping package.
    """

    name: str
    load: Callable[[], np.ndarray]
    origin: str
    license: str
    attribution: str


# Licences as stated in the docstrings of skimage/data/_fetchers.py and in
# sklearn/datasets/images/README.txt. Images without a stated licence (moon, page, lfw_subset)
# and non-scene images (microscopy, retina, space) are left out of the backgrounds.
BACKGROUNDS: tuple[PhotoSource, ...] = (
    PhotoSource("skimage-astronaut", skdata.astronaut, SKIMAGE_DATA.format("astronaut"),
                "public-domain", "NASA (Eileen Collins portrait, NASA Great Images)"),
    PhotoSource("skimage-brick", skdata.brick, SKIMAGE_DATA.format("brick"),
                "CC0-1.0", "CC0Textures Bricks25, perspective-corrected by scikit-image"),
    PhotoSource("skimage-camera", skdata.camera, SKIMAGE_DATA.format("camera"),
                "CC0-1.0", "Lav Varshney"),
    PhotoSource("skimage-chelsea", skdata.chelsea, SKIMAGE_DATA.format("chelsea"),
                "CC0-1.0", "Stefan van der Walt"),
    PhotoSource("skimage-clock", skdata.clock, SKIMAGE_DATA.format("clock"),
                "public-domain", "Stefan van der Walt"),
    PhotoSource("skimage-coffee", skdata.coffee, SKIMAGE_DATA.format("coffee"),
                "CC0-1.0", "Rachel Michetti (Pikolo Espresso Bar)"),
    PhotoSource("skimage-grass", skdata.grass, SKIMAGE_DATA.format("grass"),
                "CC0-1.0", "linolafett (DeviantArt, Grass-01)"),
    PhotoSource("skimage-gravel", skdata.gravel, SKIMAGE_DATA.format("gravel"),
                "CC0-1.0", "CC0Textures Gravel04"),
    PhotoSource("skimage-rocket", skdata.rocket, SKIMAGE_DATA.format("rocket"),
                "public-domain", "SpaceX (DSCOVR launch on Falcon 9)"),
    PhotoSource("sklearn-china", lambda: load_sample_image("china.jpg"),
                "scikit-learn `load_sample_image('china.jpg')`", "CC-BY-2.0",
                "danielbuechele, https://www.flickr.com/photos/danielbuechele/6061409035/"),
    PhotoSource("sklearn-flower", lambda: load_sample_image("flower.jpg"),
                "scikit-learn `load_sample_image('flower.jpg')`", "CC-BY-2.0",
                "vultilion, https://www.flickr.com/photos/vultilion/6056698931/ (the README's "
                "attribution line names danielbuechele; the linked page is vultilion's)"),
)

COINS = PhotoSource("coin", skdata.coins, SKIMAGE_DATA.format("coins"), "public-domain",
                    "Brooklyn Museum Collection (Greek coins from Pompeii); no known copyright "
                    "restrictions")
GALAXIES = PhotoSource("galaxy", skdata.hubble_deep_field,
                       SKIMAGE_DATA.format("hubble_deep_field"), "public-domain",
                       "NASA / HubbleSite, Hubble eXtreme Deep Field (2012)")


def sha256_of(path: Path) -> str:
    """Returns the hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare_signs(shared: Path, out: Path) -> list[Path]:
    """Copies the 43 GTSRB sign templates byte for byte into ``out/<NN>/<NN>.png``.

    Args:
        shared: the shared folder that holds ``data/gtsrb-sign-templates``.
        out: destination folder, ``assets/signs``.

    Returns:
        The files written.

    Raises:
        FileNotFoundError: the template folder is missing.
        ValueError: a template does not match its recorded sha256.
    """
    src = shared / SIGN_TEMPLATES
    if not src.is_dir():
        raise FileNotFoundError(f"sign templates not found at {src}")
    sums = dict(reversed(line.split(maxsplit=1)) for line in
                (src / "SHA256SUMS").read_text().splitlines() if line.strip())
    written = []
    for class_id in range(SIGN_CLASSES):
        name = f"{class_id:02d}.png"
        if sha256_of(src / name) != sums[name]:
            raise ValueError(f"{src / name} does not match SHA256SUMS")
        target_dir = out / f"{class_id:02d}"
        shutil.rmtree(target_dir, ignore_errors=True)
        target_dir.mkdir(parents=True)
        shutil.copyfile(src / name, target_dir / name)
        written.append(target_dir / name)
    shutil.copyfile(src / "classes.csv", out / "classes.csv")
    return [*written, out / "classes.csv"]


def fit_longest_side(image: Image.Image, max_side_px: int) -> Image.Image:
    """Downscales (never upscales) so that the longer side is at most ``max_side_px``."""
    scale = max_side_px / max(image.size)
    if scale >= 1.0:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def write_sources_csv(path: Path, rows: list[tuple[str, PhotoSource]]) -> None:
    """Writes the per-file provenance table (file, origin, licence, attribution)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "origin", "license", "attribution"])
        for file_name, source in rows:
            writer.writerow([file_name, source.origin, source.license, source.attribution])


def prepare_backgrounds(out: Path) -> list[Path]:
    """Saves every background photograph as RGB JPEG (quality 90, longest side <= 640 px).

    Gray photographs are stored as RGB too, so every background loads as HxWx3.

    Args:
        out: destination folder, ``assets/backgrounds``.

    Returns:
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.jpg"):
        stale.unlink()
    written, rows = [], []
    for source in BACKGROUNDS:
        image = fit_longest_side(Image.fromarray(source.load()).convert("RGB"),
                                 BACKGROUND_MAX_SIDE_PX)
        path = out / f"{source.name}.jpg"
        image.save(path, format="JPEG", quality=BACKGROUND_JPEG_QUALITY, optimize=False)
        written.append(path)
        rows.append((path.name, source))
    write_sources_csv(out / "SOURCES.csv", rows)
    return [*written, out / "SOURCES.csv"]


def prepare_roadside(shared: Path, out: Path) -> list[Path]:
    """Cuts 3 sign-free 48 px patches (JPEG q90) beside the signs of each GTSDB development photo.

    See ``tools/prepare_roadside_backgrounds.py`` (the same code); the files are named
    ``gtsdb-<photo>-<k>.jpg``.

    Args:
        shared: shared folder holding ``data/gtsdb-dev``.
        out: destination folder, ``assets/roadside``.

    Returns:
        The files written.
    """
    src = shared / ROAD_PHOTOS
    if not src.is_dir():
        raise FileNotFoundError(f"GTSDB road photos not found at {src}")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from prepare_roadside_backgrounds import load, write_patches
    for stale in out.glob("*.jpg"):
        stale.unlink()
    return write_patches(load(src, format="gtsdb"), out, prefix="gtsdb-")


def crop_box(mask: np.ndarray, pad_px: int) -> tuple[slice, slice]:
    """Bounding box of a boolean mask, grown by ``pad_px`` and clipped to the image."""
    rows, cols = np.nonzero(mask)
    return (slice(max(rows.min() - pad_px, 0), min(rows.max() + 1 + pad_px, mask.shape[0])),
            slice(max(cols.min() - pad_px, 0), min(cols.max() + 1 + pad_px, mask.shape[1])))


def segment_coins(gray: np.ndarray) -> list[np.ndarray]:
    """Masks of the round coins of ``skimage.data.coins()``, in raster order.

    A single global threshold leaks into the uneven background, so the coins are grown by a
    watershed on the Sobel edge map from two thresholded seed sets (sure background < 30, sure
    coin > 150), as in scikit-image's region-based segmentation example.
    """
    seeds = np.zeros(gray.shape, dtype=np.int32)
    seeds[gray < 30] = 1
    seeds[gray > 150] = 2
    regions = segmentation.watershed(filters.sobel(gray), seeds)
    labels = measure.label(ndi.binary_fill_holes(regions == 2))
    # Round, solid components only: drops specks and any coin fused with its neighbour.
    return [labels == p.label for p in measure.regionprops(labels)
            if p.area >= 1000 and p.solidity >= 0.97]


def coin_keypoints(mask: np.ndarray) -> dict[str, list]:
    """Centre (centroid) and top point of a coin mask, in pixel-corner coordinates (x, y)."""
    rows, cols = np.nonzero(mask)
    centre_x, centre_y = cols.mean() + 0.5, rows.mean() + 0.5
    column = mask[:, int(centre_x)]
    top_y = float(np.argmax(column))
    return {"keypoints": [[round(float(centre_x), 2), round(float(centre_y), 2)],
                          [round(float(centre_x), 2), round(top_y, 2)]],
            "names": ["centre", "top"]}


def soft_alpha(mask: np.ndarray, sigma_px: float) -> np.ndarray:
    """Anti-aliased uint8 alpha from a boolean mask; faint haze (< 8/255) is cut to zero."""
    alpha = ndi.gaussian_filter(mask.astype(np.float64), sigma_px)
    alpha[alpha < 8 / 255] = 0.0
    return np.round(alpha * 255).astype(np.uint8)


def touches_border(bbox: tuple[int, ...], shape: tuple[int, ...], margin_px: int = 4) -> bool:
    """Whether a (row0, col0, row1, col1) box comes within ``margin_px`` of the image edge."""
    row0, col0, row1, col1 = bbox
    return (min(row0, col0) < margin_px or row1 > shape[0] - margin_px
            or col1 > shape[1] - margin_px)


def segment_galaxies(rgb: np.ndarray, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``count`` largest compact galaxies of the Hubble deep field, as (mask, alpha) pairs.

    Emissive objects on a black sky: brightness itself is the matte. Bright cores seed a
    watershed so that touching neighbours are split; stars (diffraction spikes) and merged
    groups have low solidity and are skipped, and so are galaxies cut by the image edge.
    """
    brightness = ndi.gaussian_filter(rgb.max(axis=2) / 255.0, 1.0)
    cores, _ = ndi.label(brightness > 0.45)
    regions = segmentation.watershed(-brightness, cores, mask=brightness > 0.10)
    props = sorted(measure.regionprops(regions), key=lambda p: (-p.area, p.label))
    chosen = [p for p in props if p.solidity >= 0.83 and not touches_border(p.bbox, rgb.shape)]
    chosen = chosen[:count]
    pairs = []
    for prop in sorted(chosen, key=lambda p: p.label):
        mask = ndi.binary_dilation(regions == prop.label, iterations=1)
        ramp = np.clip((brightness - 0.06) / (0.30 - 0.06), 0.0, 1.0)
        pairs.append((mask, np.round(ramp * soft_alpha(mask, sigma_px=0.7)).astype(np.uint8)))
    return pairs


def save_cutout(rgb: np.ndarray, alpha: np.ndarray, box: tuple[slice, slice], path: Path) -> None:
    """Writes the RGBA crop ``box`` of an RGB image and its alpha as PNG."""
    rgba = np.dstack([rgb[box], alpha[box]])
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgba, mode="RGBA").save(path, format="PNG", optimize=False)


def prepare_cutouts(out: Path, coin_count: int = 10, galaxy_count: int = 6) -> list[Path]:
    """Writes the example cutout folder ``out/<class>/<name>.png`` (+ ``.json`` keypoints).

    Args:
        out: destination folder, ``assets/cutouts``.
        coin_count: number of coin cutouts (class ``coin``, with keypoint sidecars).
        galaxy_count: number of galaxy cutouts (class ``galaxy``, no sidecars).

    Returns:
        The files written.
    """
    for source in (COINS, GALAXIES):
        shutil.rmtree(out / source.name, ignore_errors=True)
    written, rows = [], []
    gray = COINS.load()
    rgb = np.dstack([gray] * 3)
    for number, mask in enumerate(segment_coins(gray)[:coin_count], start=1):
        box = crop_box(mask, pad_px=3)
        path = out / COINS.name / f"{COINS.name}-{number:02d}.png"
        save_cutout(rgb, soft_alpha(mask, sigma_px=0.7), box, path)
        sidecar = path.with_suffix(".json")
        sidecar.write_text(json.dumps(coin_keypoints(mask[box])) + "\n")
        written += [path, sidecar]
        rows.append((f"{COINS.name}/{path.name}", COINS))
    sky = GALAXIES.load()
    for number, (mask, alpha) in enumerate(segment_galaxies(sky, galaxy_count), start=1):
        path = out / GALAXIES.name / f"{GALAXIES.name}-{number:02d}.png"
        save_cutout(sky, alpha, crop_box(mask, pad_px=2), path)
        written.append(path)
        rows.append((f"{GALAXIES.name}/{path.name}", GALAXIES))
    write_sources_csv(out / "SOURCES.csv", rows)
    return [*written, out / "SOURCES.csv"]


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point; prints one line per part with file count and bytes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO_ROOT.parent / "shared",
                        help="shared folder holding data/gtsrb-sign-templates and data/gtsdb-dev "
                             "(default ../shared)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "assets",
                        help="assets folder to write into (default: the repo's assets/)")
    parser.add_argument("--only", nargs="+", choices=("signs", "cutouts", "backgrounds", "roadside"),
                        default=("signs", "cutouts", "backgrounds", "roadside"))
    args = parser.parse_args(argv)
    parts = {"signs": lambda: prepare_signs(args.shared, args.out / "signs"),
             "cutouts": lambda: prepare_cutouts(args.out / "cutouts"),
             "backgrounds": lambda: prepare_backgrounds(args.out / "backgrounds"),
             "roadside": lambda: prepare_roadside(args.shared, args.out / "roadside")}
    for part in args.only:
        files = parts[part]()
        total = sum(path.stat().st_size for path in files)
        print(f"{part}: {len(files)} files, {total:,} bytes")


if __name__ == "__main__":
    main()
