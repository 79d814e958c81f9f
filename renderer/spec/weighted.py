"""Weighted options, one model for every block that draws one of several alternatives.

Each option has a relative ``weight`` >= 0 (0 turns an option off, e.g. in an ablation); the
weights of a list must have a positive sum, checked when the spec is validated. The same rule as
``dist: choice`` weights. Used by ``asset: {kind: choice}`` and ``background: {kind: mix}``::

    options:
      - {weight: 3, background: {kind: images, dir: builtin:backgrounds}}
      - {weight: 0, background: {kind: noise}}      # off
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np
from pydantic import Field

from renderer.rng import weighted_index
from renderer.spec.base import SpecModel

O = TypeVar("O", bound="WeightedOption")  # noqa: E741 (the option type)


class WeightedOption(SpecModel):
    """One option's relative weight (>= 0); subclasses add what the option is."""

    weight: float = Field(1.0, ge=0)


def positive_sum(options: list[O]) -> list[O]:
    """Validator of an options list: the weights must not all be 0."""
    if options and sum(o.weight for o in options) <= 0:
        raise ValueError("weights must have a positive sum")
    return options


def draw_option(rng: np.random.Generator, options: Sequence[WeightedOption]) -> int:
    """Index of the option drawn with probability proportional to its weight."""
    return weighted_index(rng, [o.weight for o in options])
