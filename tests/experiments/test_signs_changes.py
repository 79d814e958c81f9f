"""experiments/signs-changes.yaml stays in step with scenes/signs.yaml (it names layers by position)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from renderer.render import render_sample
from renderer.spec.load import load_spec


def test_taking_every_change_back_renders_the_first_tuning_round() -> None:
    # experiments/signs-changes.yaml names scenes/signs.yaml's layers by position: each variant
    # must load, and taking all seven changes back must render the round-1 spec's very pixels
    root = Path(__file__).resolve().parents[2]
    variants = yaml.safe_load((root / "experiments" / "signs-changes.yaml").read_text())
    specs = {label: load_spec(root / "scenes" / "signs.yaml", overrides=overrides)
             for label, overrides in variants.items()}
    assert len(specs) == 9
    round1 = load_spec(root / "experiments" / "signs-round1.yaml")
    taken_back, as_it_is = specs["all seven taken back"], specs["as it is"]
    for index in range(4):
        assert np.array_equal(render_sample(taken_back, 0, index).image,
                              render_sample(round1, 0, index).image)
    assert any(not np.array_equal(render_sample(as_it_is, 0, i).image,
                                  render_sample(round1, 0, i).image) for i in range(4))
