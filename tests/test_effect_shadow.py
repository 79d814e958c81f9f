"""The cast_shadow effect: which side is shaded, by how much, and how sharp the edge is."""

from __future__ import annotations

import numpy as np

from renderer.effects import apply_effect, sample_effect
from renderer.effects.shadow import CastShadowParams, shadow_mask


def _record(**fields: float) -> dict[str, object]:
    base = {"kind": "cast_shadow", "applied": True, "angle": 0.0, "darkness": 0.5,
            "coverage": 0.5, "softness": 0.0, "tint": 0.0}
    return {**base, **fields}


def test_hard_shadow_darkens_one_side_only() -> None:
    image = np.full((16, 32, 3), 200, np.uint8)
    out = apply_effect(image, _record())
    # angle 0: the edge is vertical at half the width; the low-x side is in shadow.
    assert np.abs(out[:, :15].astype(int) - 100).max() <= 1
    assert np.array_equal(out[:, 17:], image[:, 17:])


def test_soft_edge_ramps_monotonically() -> None:
    mask = shadow_mask(4, 64, angle_deg=0.0, coverage=0.5, softness=8.0)
    row = mask[0]
    assert np.all(np.diff(row) <= 0), "shadow must fade monotonically across the edge"
    assert row[0] > 0.99 and row[-1] < 0.01
    assert 0.05 < row[31] < 0.95  # the edge itself is part-shaded


def test_tint_makes_the_shadow_bluer() -> None:
    image = np.full((8, 8, 3), 200, np.uint8)
    out = apply_effect(image, _record(coverage=1.0, tint=0.3)).astype(int)
    red, green, blue = out[4, 4]
    assert red < green < blue


def test_full_darkness_blacks_out_the_shaded_side() -> None:
    image = np.full((8, 8, 3), 255, np.uint8)
    out = apply_effect(image, _record(coverage=1.0, darkness=1.0))
    assert out[2:6, 2:6].max() == 0


def test_records_follow_the_params() -> None:
    params = CastShadowParams(darkness=[0.2, 0.3], coverage=0.4, softness=[1, 2], tint=0.1)
    for seed in range(10):
        record = sample_effect(params, rng=np.random.default_rng(seed))
        assert 0.2 <= record["darkness"] <= 0.3 and record["coverage"] == 0.4
        assert 1 <= record["softness"] <= 2 and 0 <= record["angle"] < 360
