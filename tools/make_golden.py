"""Render the golden images of ``tests/test_golden.py`` from ``tests/golden/cases.yaml``.

    python tools/make_golden.py            # (re)write tests/golden/<case>-<index>.png
    python tools/make_golden.py --check    # only report the largest difference per image

Regenerate only after a change that is meant to alter rendered pixels, and look at the new
images before committing them: the golden test then pins the new look.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from PIL import Image

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "tests" / "golden"
CASES_FILE = GOLDEN_DIR / "cases.yaml"


def load_cases(path: Path = CASES_FILE) -> dict[str, Any]:
    """The golden cases file: ``seed``, ``indices`` and a spec per case name."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def golden_path(case: str, index: int) -> Path:
    """Where the golden image of ``case`` at ``index`` is stored."""
    return GOLDEN_DIR / f"{case}-{index}.png"


def render_golden(cases: dict[str, Any], case: str, index: int) -> np.ndarray:
    """Render image ``index`` of ``case`` (HWC uint8), exactly as the golden test does."""
    from renderer.render import render_sample
    from renderer.scene_context import SceneContext
    from renderer.spec.load import validate_spec

    spec = validate_spec(cases["cases"][case], f"{CASES_FILE.name}:{case}",
                         SceneContext(base_dir=GOLDEN_DIR))
    return render_sample(spec, cases["seed"], index).image


def read_png(path: Path) -> np.ndarray:
    """Decode a golden PNG to HWC uint8 (RGB, or one channel for gray images)."""
    with Image.open(path) as im:
        pixels = np.asarray(im)
    return pixels[..., None] if pixels.ndim == 2 else pixels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)
    from renderer.io import encode_image

    cases = load_cases()
    worst = 0
    for case in cases["cases"]:
        for index in cases["indices"]:
            image = render_golden(cases, case, index)
            path = golden_path(case, index)
            if args.check:
                if not path.exists():
                    print(f"{path.name}: missing")
                    worst = 256
                    continue
                stored = read_png(path)
                diff = (int(np.abs(stored.astype(int) - image.astype(int)).max())
                        if stored.shape == image.shape else 256)
                worst = max(worst, diff)
                print(f"{path.name}: max abs difference {diff}")
            else:
                path.write_bytes(encode_image(image, "png", png_compression=9))
                print(f"wrote {path} {image.shape}")
    return 1 if args.check and worst > 1 else 0


if __name__ == "__main__":
    sys.exit(main())
