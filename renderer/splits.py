"""Dataset splits (``--split train=0.9,val=0.1``): which split each sample index belongs to.

Each index draws its split from its own named stream (``split``), seeded by the run seed: the
assignment depends only on (seed, index), so it is the same for any worker count, backend, shard
size or subset of indices rendered, and no other draw of the scene changes. Fractions are
probabilities, so a split's count is close to, not exactly, its fraction of the images.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from renderer.rng import draw_index, proportional_cdf, stream

SPLIT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
TOLERANCE = 1e-6  # on the sum of the fractions


def parse_split(text: str) -> dict[str, float]:
    """``"train=0.9,val=0.1"`` as ``{"train": 0.9, "val": 0.1}``; raises ``ValueError`` naming
    ``--split`` for malformed text (the fractions are checked by ``Split``)."""
    fractions: dict[str, float] = {}
    for item in text.split(","):
        name, sep, value = item.strip().partition("=")
        try:
            fraction = float(value) if sep else None
        except ValueError:
            fraction = None
        if fraction is None:
            raise ValueError(f"--split: expected NAME=FRACTION items separated by commas, e.g. "
                             f"train=0.9,val=0.1; got {item.strip()!r}")
        if name in fractions:
            raise ValueError(f"--split: split {name!r} is named twice")
        fractions[name] = fraction
    Split.from_fractions(fractions, seed=0)  # every check, with the message naming --split
    return fractions


@dataclass(frozen=True)
class Split:
    """Named fractions of a dataset and the run seed that assigns indices to them.

    Attributes:
        names: split names, in the order given (they become folder names).
        fractions: probability of each split, summing to 1.
        seed: the run seed.
    """

    names: tuple[str, ...]
    fractions: tuple[float, ...]
    seed: int

    @classmethod
    def from_fractions(cls, fractions: Mapping[str, float], seed: int) -> Split:
        """Check and build; raises ``ValueError`` (naming ``--split``) for bad names or fractions."""
        bad = [name for name in fractions if not SPLIT_NAME.match(name)]
        if bad:
            raise ValueError(f"--split: split names must be letters, digits, _ or - (they name "
                             f"folders); got {bad!r}")
        if not fractions:
            raise ValueError("--split: name at least one split, e.g. train=0.9,val=0.1")
        if any(not 0 < f <= 1 for f in fractions.values()):
            raise ValueError(f"--split: every fraction must be in (0, 1]; got {dict(fractions)}")
        total = sum(fractions.values())
        if abs(total - 1) > TOLERANCE:
            raise ValueError(f"--split: the fractions must sum to 1, they sum to {total:g}")
        return cls(tuple(fractions), tuple(float(f) for f in fractions.values()), seed)

    @cached_property
    def _cdf(self) -> tuple[float, ...]:
        return proportional_cdf(self.fractions)

    def of(self, index: int) -> str:
        """The split sample ``index`` belongs to."""
        return self.names[draw_index(stream(self.seed, index, "split"), self._cdf)]
