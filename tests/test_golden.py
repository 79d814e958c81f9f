"""Golden images: small fixed scenes must keep rendering the stored pixels (tolerance 1).

A failure means rendered pixels changed. If the change is intended, look at the new images and
regenerate them with ``python tools/make_golden.py``; never edit the PNGs by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from core_helpers import load_tool

TOLERANCE = 1  # max abs difference per channel: rounding may differ across OpenCV builds


make_golden = load_tool("make_golden")  # test and tool render the cases the same way
CASES = make_golden.load_cases()
PARAMS = [(case, index) for case in CASES["cases"] for index in CASES["indices"]]


def test_every_golden_file_belongs_to_a_case() -> None:
    expected = {make_golden.golden_path(case, index).name for case, index in PARAMS}
    stored = {p.name for p in make_golden.GOLDEN_DIR.glob("*.png")}
    assert stored == expected, "run python tools/make_golden.py to regenerate the golden images"


@pytest.mark.parametrize(("case", "index"), PARAMS, ids=[f"{c}-{i}" for c, i in PARAMS])
def test_render_matches_golden_image(case: str, index: int) -> None:
    image = make_golden.render_golden(CASES, case, index)
    golden = make_golden.read_png(make_golden.golden_path(case, index))
    assert image.shape == golden.shape == (64, 64, golden.shape[2]) and image.dtype == golden.dtype
    diff = np.abs(image.astype(np.int16) - golden.astype(np.int16))
    worst = int(diff.max())
    assert worst <= TOLERANCE, (
        f"{case}-{index}: {int((diff > TOLERANCE).sum())} values differ by up to {worst}; if "
        "intended, regenerate with python tools/make_golden.py")
    assert image.std() > 5, "a golden image must show something"
