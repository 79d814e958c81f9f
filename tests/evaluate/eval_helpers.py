"""Small image sets for the evaluation tests, built from data scikit-learn ships (no downloads)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, load_sample_images

from renderer.evaluate import EvalConfig, EvalSet, TaskConfig

HOSTILE = "<script>alert(1)</script>"

# every section on, with few resamples and training steps, so a run takes seconds
FAST_CONFIG = EvalConfig(fid_bootstrap=4, kid_subset_size=200, kid_subsets=10, kid_bootstrap=20,
                         c2st_bootstrap=50, n_show=6, task=TaskConfig(epochs=1, max_steps=15))


def make_set(images: list[np.ndarray], labels: np.ndarray | None = None,
             class_names: tuple[str, ...] | None = None, objects: list[dict] | None = None,
             meta: list[dict] | None = None, prefix: str = "img") -> EvalSet:
    """An EvalSet with generated names."""
    names = tuple(f"{prefix}_{i:04d}.png" for i in range(len(images)))
    return EvalSet(images, labels, class_names, objects, names, meta)


def bright_squares(n: int, *, rng: np.random.Generator) -> EvalSet:
    """``n`` 64x64 detection images: one bright 20 px square (class ``square``) on dark noise."""
    images, objects = [], []
    for _ in range(n):
        image = rng.integers(0, 60, (64, 64, 3), dtype=np.uint8)
        x, y = (int(v) for v in rng.integers(4, 40, 2))
        image[y:y + 20, x:x + 20] = 230
        images.append(image)
        objects.append({"boxes": np.array([[x, y, x + 20, y + 20]], np.float32),
                        "classes": np.array([0]), "visibility": None})
    return make_set(images, class_names=("square",), objects=objects)


@lru_cache(maxsize=1)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 real 8x8 handwritten digits as (N, 8, 8, 1) uint8 and labels."""
    data = load_digits()
    images = np.round(data.images / 16.0 * 255.0).astype(np.uint8)[..., None]
    return images, data.target.astype(np.int64)


def digit_sets(class_names: tuple[str, ...] | None = None) -> tuple[EvalSet, EvalSet]:
    """The digits split into two disjoint halves (even / odd positions), labelled."""
    images, labels = digits()
    names = class_names or tuple(str(i) for i in range(10))
    halves = [np.arange(start, len(images), 2) for start in (0, 1)]
    return tuple(make_set([images[i] for i in idx], labels[idx], names, prefix=p)  # type: ignore[return-value]
                 for idx, p in zip(halves, ("a", "b"), strict=True))


@lru_cache(maxsize=1)
def _photos() -> tuple[np.ndarray, ...]:
    return tuple(np.asarray(image) for image in load_sample_images().images)


def natural_patches(n: int, size: int = 64, *, rng: np.random.Generator) -> list[np.ndarray]:
    """``n`` random size x size RGB crops of scikit-learn's two sample photographs."""
    photos = _photos()
    patches = []
    for _ in range(n):
        photo = photos[int(rng.integers(len(photos)))]
        y = int(rng.integers(photo.shape[0] - size))
        x = int(rng.integers(photo.shape[1] - size))
        patches.append(np.ascontiguousarray(photo[y:y + size, x:x + size]))
    return patches


def browser_or_skip() -> str:
    """Path of a chromium binary, or skip the test."""
    import shutil

    import pytest

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return browser


def open_in_browser(page: Path, work: Path, height: int = 3000) -> tuple[list[str], np.ndarray]:
    """Load ``page`` in headless chromium: its console messages and a gray screenshot."""
    import subprocess

    from PIL import Image

    shot = work / "shot.png"
    run = subprocess.run(
        [browser_or_skip(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={work / 'profile'}", "--enable-logging=stderr",
         "--v=0", f"--screenshot={shot}", f"--window-size=1200,{height}",
         page.resolve().as_uri()], check=True, capture_output=True, text=True, timeout=120)
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    with Image.open(shot) as image:
        return console, np.asarray(image.convert("L"))
