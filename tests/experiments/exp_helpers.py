"""Tiny specs, a rendered "real" set and fast evaluation options for the experiment tests.

Real sets here are rendered by a fixed reference spec (no downloads, no shared data): a
candidate spec that differs from it in a known way must show that difference in the metrics.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from renderer.evaluate.evalset import EvalSet
from renderer.rendered_sets import render_evalset
from renderer.spec.load import validate_spec

# 24x24 gray digits 0-2, white on black, small pose randomization.
DIGITS: dict[str, Any] = {
    "version": 1,
    "canvas": {"width": 24, "height": 24, "mode": "gray"},
    "task": "classification",
    "background": {"kind": "solid", "color": {"rgb": [0, 0, 0]}},
    "objects": [{"name": "digit", "asset": {"kind": "glyph", "text": ["0", "1", "2"]},
                 "pose": {"x": 0.5, "y": 0.5, "scale": [0.6, 0.8], "rotation": [-8, 8],
                          "max_truncation": 0},
                 "material": {"color": {"rgb": [255, 255, 255]}}}],
    "lighting": {"ambient": 1.0},
    "effects": [{"kind": "blur", "sigma": [0.3, 0.8]}],
    "output": {"image_format": "png"},
}

# Every section of the evaluation, with few resamples: seconds per trial.
FAST_EVAL: dict[str, Any] = {
    "task": None, "fid_bootstrap": 0, "kid_subset_size": 100, "kid_subsets": 10,
    "kid_bootstrap": 20, "c2st_folds": 3, "c2st_bootstrap": 20, "n_show": 2,
}
N = 24  # synthetic images per trial
REAL_SEED = 99  # the real set is rendered with another seed than the trials': other images


def spec_data(**patch: Any) -> dict[str, Any]:
    """A deep copy of ``DIGITS`` with top-level keys replaced."""
    data = copy.deepcopy(DIGITS)
    data.update(copy.deepcopy(patch))
    return data


def write_spec(folder: Path, data: dict[str, Any], name: str = "spec.yaml") -> Path:
    """Write a spec file and return its path."""
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def rendered_real(data: dict[str, Any], n: int = N) -> EvalSet:
    """``n`` images of spec ``data`` as the "real" set."""
    return render_evalset(validate_spec(data, "real"), REAL_SEED, n)
